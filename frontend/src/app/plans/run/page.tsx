"use client";
// Executing a plan run: every case with its latest result (automated results arrive from
// platform runs of linked tests; manual ones are recorded here with a comment and the time
// spent), who it is assigned to, and the progress overall and per assignee.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api, type Schemas } from "@/api/client";
import { queries } from "@/api/queries";
import { caseKeys, caseQueries } from "@/api/queries/cases";
import { withSuspense } from "@/components/Page";
import { Button, Card, ErrorNote, Loading, StatusBadge } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

type Entry = Schemas["PlanRunCaseOut"];
type Progress = Schemas["Progress"];
const RESULTS = ["passed", "failed", "blocked", "skipped", "retest"] as const;
type ResultStatus = (typeof RESULTS)[number];

function Bar({ progress: given }: { progress: Progress }) {
  const progress = { total: 0, executed: 0, passed: 0, failed: 0, blocked: 0, skipped: 0, retest: 0, ...given };
  const pct = progress.total ? Math.round((100 * progress.executed) / progress.total) : 0;
  return (
    <div className="text-sm">
      <div className="h-2 w-64 rounded bg-slate-200" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label="Executed">
        <div className="h-2 rounded bg-blue-700" style={{ width: `${pct}%` }} />
      </div>
      {progress.executed} of {progress.total} executed · {progress.passed} passed · {progress.failed} failed · {progress.blocked} blocked ·{" "}
      {progress.skipped} skipped · {progress.retest} to retest
    </div>
  );
}

function Record({ planRunId, entry, open }: { planRunId: string; entry: Entry; open: boolean }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<ResultStatus>("passed");
  const [comment, setComment] = useState("");
  const [minutes, setMinutes] = useState("");
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/plan-runs/{plan_run_id}/results", {
          params: { path: { plan_run_id: planRunId } },
          body: {
            case_id: entry.case_id,
            status,
            comment,
            time_spent_seconds: minutes ? Math.round(Number(minutes) * 60) : null,
          },
        }),
      ),
    onSuccess: () => {
      setComment("");
      void queryClient.invalidateQueries({ queryKey: caseKeys.planRun(planRunId) });
    },
  });
  if (!open) return null;
  return (
    <form
      aria-label={`Result for ${entry.key}`}
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <label className="flex flex-col text-xs">
        Result
        <select className="rounded border border-slate-400 bg-white px-1 py-1" value={status} onChange={(e) => setStatus(e.target.value as ResultStatus)}>
          {RESULTS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <label className="flex flex-col text-xs">
        Comment
        <input className="rounded border border-slate-400 px-1 py-1" value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <label className="flex flex-col text-xs">
        Minutes
        <input className="w-16 rounded border border-slate-400 px-1 py-1" inputMode="decimal" value={minutes} onChange={(e) => setMinutes(e.target.value)} />
      </label>
      <button className="rounded bg-blue-700 px-2 py-1 text-white" disabled={save.isPending}>
        Record
      </button>
      {save.isError && <ErrorNote error={save.error} />}
    </form>
  );
}

function PlanRunPage() {
  const ready = useRequireAuth();
  const planRunId = useParam("id");
  const queryClient = useQueryClient();
  const planRun = useQuery({ ...caseQueries.planRun(planRunId ?? ""), enabled: ready && !!planRunId });
  const project = useQuery({ ...queries.project(planRun.data?.project_id ?? ""), enabled: !!planRun.data });
  const members = useQuery({ ...queries.orgMembers(project.data?.org_id ?? ""), enabled: !!project.data });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [assignee, setAssignee] = useState("");
  const assign = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/plan-runs/{plan_run_id}/assign", {
          params: { path: { plan_run_id: planRunId ?? "" } },
          body: { case_ids: [...selected], assignee_id: assignee || null },
        }),
      ),
    onSuccess: () => {
      setSelected(new Set());
      void queryClient.invalidateQueries({ queryKey: caseKeys.planRun(planRunId ?? "") });
    },
  });
  const close = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/plan-runs/{plan_run_id}/close", { params: { path: { plan_run_id: planRunId ?? "" } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: caseKeys.planRun(planRunId ?? "") }),
  });
  if (!ready) return <Loading what="your account" />;
  if (!planRunId) return <ErrorNote error="No plan run chosen." />;
  if (planRun.isPending) return <Loading what="the plan run" />;
  if (planRun.isError) return <ErrorNote error={planRun.error} />;
  const run = planRun.data;
  const open = run.status === "open";
  const people = new Map((members.data ?? []).map((m) => [m.user_id, m.full_name || m.email]));
  const who = (id: string | null | undefined) => (id ? (people.get(id) ?? "someone") : "unassigned");
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/plans/?project=${run.project_id}`} className="text-sm text-blue-800 underline">
          ← Test plans
        </Link>
        <h1 className="text-2xl font-semibold">{run.name}</h1>
        <p className="text-sm">{open ? "Open" : `Closed ${run.closed_at ? new Date(run.closed_at).toLocaleString() : ""}`}</p>
      </div>
      <Card title="Progress">
        <Bar progress={run.progress} />
        <h3 className="mt-4 font-semibold">By assignee</h3>
        <ul className="text-sm" aria-label="Progress by assignee">
          {run.by_assignee.map((p) => (
            <li key={p.assignee_id ?? "none"}>
              {who(p.assignee_id)}: {p.executed ?? 0} of {p.total ?? 0} executed, {p.passed ?? 0} passed, {p.failed ?? 0} failed,{" "}
              {p.blocked ?? 0} blocked
            </li>
          ))}
        </ul>
        {open && (
          <div className="mt-4">
            <Button type="button" variant="secondary" busy={close.isPending} onClick={() => close.mutate()}>
              Close the run
            </Button>
            {close.isError && <ErrorNote error={close.error} />}
          </div>
        )}
      </Card>
      <Card title="Cases">
        {open && selected.size > 0 && (
          <div className="mb-3 flex flex-wrap items-center gap-2 text-sm" role="group" aria-label="Assign">
            Assign {selected.size} to
            <select aria-label="Assignee" className="rounded border border-slate-400 bg-white px-2 py-1" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
              <option value="">nobody</option>
              {(members.data ?? []).map((m) => (
                <option key={m.user_id} value={m.user_id}>
                  {m.full_name || m.email}
                </option>
              ))}
            </select>
            <button type="button" className="rounded border border-slate-400 px-2 py-1" onClick={() => assign.mutate()}>
              Assign
            </button>
            {assign.isError && <ErrorNote error={assign.error} />}
          </div>
        )}
        <table className="w-full text-left text-sm">
          <thead>
            <tr className="border-b border-slate-200">
              <th className="w-8">
                <span className="sr-only">Select</span>
              </th>
              <th>Case</th>
              <th>Assignee</th>
              <th>Result</th>
              <th>Record a result</th>
            </tr>
          </thead>
          <tbody>
            {run.cases.map((c) => (
              <tr key={c.id} className="border-b border-slate-100 align-top">
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${c.key}`}
                    checked={selected.has(c.case_id)}
                    onChange={(e) => {
                      const next = new Set(selected);
                      if (e.target.checked) next.add(c.case_id);
                      else next.delete(c.case_id);
                      setSelected(next);
                    }}
                  />
                </td>
                <td>
                  <Link className="font-mono text-blue-800 underline" href={`/cases/view/?id=${c.case_id}`}>
                    {c.key}
                  </Link>{" "}
                  {c.title}
                  {c.automation === "automated" && <span className="ml-1 text-xs text-slate-600">(automated)</span>}
                </td>
                <td>{who(c.assignee_id)}</td>
                <td>
                  <StatusBadge status={c.status} />
                  {c.source && <span className="ml-1 text-xs text-slate-600">{c.source}</span>}
                  {c.comment && <p className="text-xs text-slate-700">{c.comment}</p>}
                  {c.run_id && (
                    <Link className="text-xs text-blue-800 underline" href={`/runs/view/?id=${c.run_id}`}>
                      run
                    </Link>
                  )}
                </td>
                <td>
                  <Record planRunId={run.id} entry={c} open={open} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}

export default withSuspense(PlanRunPage);
