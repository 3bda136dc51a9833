"use client";
// One defect: its text (error, steps, links), where it is tracked and whether GitHub has
// heard of the last change, the failing test's runs, "passing since", close and reopen.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { api } from "@/api/client";
import { queries } from "@/api/queries";
import { qaKeys, qaQueries } from "@/api/queries/qa";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Loading, StatusBadge } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

const SEVERITIES = ["critical", "major", "minor", "trivial"] as const;
// The sync job has not finished: look again.
const SENDING = new Set(["pending", "creating"]);
type Severity = (typeof SEVERITIES)[number];

function when(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString() : "–";
}

function DefectPage() {
  const ready = useRequireAuth();
  const defectId = useParam("id");
  const queryClient = useQueryClient();
  const defect = useQuery({
    ...qaQueries.defect(defectId ?? ""),
    enabled: ready && !!defectId,
    refetchInterval: (query) => (SENDING.has(query.state.data?.sync_state ?? "") ? 2000 : false),
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: qaKeys.defect(defectId ?? "") });
    if (defect.data) void queryClient.invalidateQueries({ queryKey: qaKeys.projectDefectsAll(defect.data.project_id) });
  };
  const project = useQuery({ ...queries.project(defect.data?.project_id ?? ""), enabled: !!defect.data });
  const members = useQuery({ ...queries.orgMembers(project.data?.org_id ?? ""), enabled: !!project.data });
  const change = useMutation({
    mutationFn: async (body: { status?: "open" | "closed"; severity?: Severity; assignee_id?: string | null }) =>
      unwrap(await api.PATCH("/api/defects/{defect_id}", { params: { path: { defect_id: defectId ?? "" } }, body })),
    onSuccess: refresh,
  });
  const retry = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/defects/{defect_id}/sync", { params: { path: { defect_id: defectId ?? "" } } })),
    onSuccess: refresh,
  });
  if (!ready) return <Loading what="your account" />;
  if (!defectId) return <ErrorNote error="No defect chosen." />;
  if (defect.isPending) return <Loading what="the defect" />;
  if (defect.isError) return <ErrorNote error={defect.error} />;
  const d = defect.data;
  const open = d.status === "open";
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/defects/?project=${d.project_id}`} className="text-sm text-blue-800 underline">
          ← Defects
        </Link>
        <h1 className="text-2xl font-semibold">
          {d.key} · {d.title}
        </h1>
        <div className="mt-1 flex flex-wrap items-center gap-3 text-sm">
          <StatusBadge status={d.status} />
          <span>severity {d.severity}</span>
          {d.labels.map((label) => (
            <span key={label} className="rounded bg-slate-100 px-2 py-0.5 text-xs">
              {label}
            </span>
          ))}
          {d.github_assignees.length > 0 && <span>GitHub assignees: {d.github_assignees.join(", ")}</span>}
        </div>
        {d.closed_reason && <p className="mt-1 text-sm text-slate-700">{d.closed_reason}</p>}
      </div>
      {d.passing_since_run_id && (
        <p className="rounded border border-green-300 bg-green-50 p-3 text-sm text-green-900" data-testid="passing-since">
          Passing since run{" "}
          <Link href={`/runs/view/?id=${d.passing_since_run_id}`} className="underline">
            {d.passing_since_run_id.slice(0, 8)}
          </Link>{" "}
          ({when(d.passing_since_at)}).
        </p>
      )}
      <Card title="Tracking">
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="font-semibold">Tracker</dt>
          <dd>
            {d.tracker === "github" ? (
              d.issue_url ? (
                <a href={d.issue_url} className="text-blue-800 underline" target="_blank" rel="noreferrer">
                  {d.repository_full_name}#{d.issue_number}
                </a>
              ) : (
                `GitHub Issues in ${d.repository_full_name}`
              )
            ) : (
              "TestAble (local)"
            )}
          </dd>
          {d.tracker === "github" && (
            <>
              <dt className="font-semibold">GitHub</dt>
              <dd data-testid="sync-state">
                {d.sync_state === "pending" && "sending the last change…"}
                {d.sync_state === "creating" && "filing the issue…"}
                {d.sync_state === "synced" && "up to date"}
                {d.sync_state === "failed" && `not sent: ${d.sync_error ?? "unknown error"}`}
              </dd>
            </>
          )}
          <dt className="font-semibold">Test</dt>
          <dd className="break-all font-mono">{d.test_node_id ?? "–"}</dd>
          <dt className="font-semibold">Filed</dt>
          <dd>{when(d.created_at)}</dd>
          <dt className="font-semibold">Last failed</dt>
          <dd>{when(d.last_failed_at)}</dd>
        </dl>
        <div className="mt-4 flex flex-wrap items-end gap-3">
          <Button variant={open ? "danger" : "secondary"} busy={change.isPending} onClick={() => change.mutate({ status: open ? "closed" : "open" })} type="button">
            {open ? (d.tracker === "github" ? "Close (and the issue)" : "Close") : "Reopen"}
          </Button>
          <label className="flex flex-col text-sm">
            Severity
            <select className="rounded border border-slate-400 bg-white px-2 py-1.5" value={d.severity} onChange={(e) => change.mutate({ severity: e.target.value as Severity })}>
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="flex flex-col text-sm">
            Assignee
            <select
              className="rounded border border-slate-400 bg-white px-2 py-1.5"
              value={d.assignee_id ?? ""}
              onChange={(e) => change.mutate({ assignee_id: e.target.value || null })}
            >
              <option value="">nobody</option>
              {members.data?.map((m) => (
                <option key={m.user_id} value={m.user_id}>
                  {m.full_name ?? m.email}
                </option>
              ))}
            </select>
          </label>
          {d.sync_state === "failed" && (
            <Button variant="secondary" type="button" busy={retry.isPending} onClick={() => retry.mutate()}>
              Send to GitHub again
            </Button>
          )}
        </div>
        {change.isError && <ErrorNote error={change.error} />}
        {retry.isError && <ErrorNote error={retry.error} />}
      </Card>
      <Card title="Description">
        <pre className="overflow-auto whitespace-pre-wrap text-sm [overflow-wrap:anywhere]" data-testid="defect-body">
          {d.body || "–"}
        </pre>
      </Card>
      <Card title="Failures">
        {d.runs.length === 0 ? (
          <Empty>No failing run is linked.</Empty>
        ) : (
          <ul className="flex flex-col gap-2 text-sm">
            {d.runs.map((r, i) => (
              <li key={`${r.run_id}-${i}`} className="border-t border-slate-100 pt-2" data-testid="defect-run">
                {r.run_id ? (
                  <Link href={`/runs/view/?id=${r.run_id}`} className="text-blue-800 underline">
                    run {r.run_id.slice(0, 8)}
                  </Link>
                ) : (
                  "manual result"
                )}{" "}
                · {r.outcome} · {when(r.at)}
                {r.branch && ` · ${r.branch}`}
                {r.error_message && <div className="mt-1 break-all font-mono text-xs text-red-900">{r.error_message}</div>}
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

export default withSuspense(DefectPage);
