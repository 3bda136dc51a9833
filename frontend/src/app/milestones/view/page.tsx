"use client";
// One milestone: progress of its planned cases, the burndown (remaining vs the ideal
// line), workload against capacity, coverage, the report (and its CSV), closing it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { api, type Schemas } from "@/api/client";
import { qaKeys, qaQueries } from "@/api/queries/qa";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Loading, StatusBadge } from "@/components/ui";
import { authFetch } from "@/lib/authFetch";
import { unwrap } from "@/lib/errors";
import { tokens } from "@/lib/tokens";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

type Burndown = Schemas["Burndown"];

function BurndownChart({ data }: { data: Burndown }) {
  const days = data.days;
  const first = days[0];
  const last = days[days.length - 1];
  if (!first || !last || data.planned === 0) return <Empty>No planned case yet: attach cases or plan runs.</Empty>;
  const width = 560;
  const height = 200;
  const pad = 28;
  const x = (i: number) => pad + (days.length === 1 ? 0 : (i * (width - 2 * pad)) / (days.length - 1));
  const y = (v: number) => height - pad - (v * (height - 2 * pad)) / data.planned;
  const line = (values: number[]) => values.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  return (
    <figure>
      <svg viewBox={`0 0 ${width} ${height}`} className="w-full max-w-2xl" role="img" aria-label={`Burndown: ${last.remaining} of ${data.planned} cases remaining`}>
        <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} stroke="#94a3b8" />
        <line x1={pad} y1={pad} x2={pad} y2={height - pad} stroke="#94a3b8" />
        <path d={line(days.map((d) => d.ideal))} fill="none" stroke="#94a3b8" strokeDasharray="4 4" />
        <path d={line(days.map((d) => d.remaining))} fill="none" stroke="#1d4ed8" strokeWidth={2} />
        <text x={pad} y={pad - 8} fontSize={11} fill="#334155">
          {data.planned} planned
        </text>
        <text x={pad} y={height - 8} fontSize={11} fill="#334155">
          {first.day}
        </text>
        <text x={width - pad} y={height - 8} fontSize={11} fill="#334155" textAnchor="end">
          {last.day}
        </text>
      </svg>
      <figcaption className="text-xs text-slate-600">Blue: cases remaining at the end of each day; dashed: the ideal line.</figcaption>
    </figure>
  );
}

async function downloadCsv(milestoneId: string, name: string) {
  const response = await fetch(`/api/milestones/${milestoneId}/report.csv`, {
    headers: { Authorization: `Bearer ${tokens.access() ?? ""}` },
  });
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `milestone-${name}.csv`;
  link.click();
  URL.revokeObjectURL(link.href);
}

function MilestonePage() {
  const ready = useRequireAuth();
  const milestoneId = useParam("id") ?? "";
  const queryClient = useQueryClient();
  const [summary, setSummary] = useState("");
  const enabled = ready && !!milestoneId;
  const milestone = useQuery({ ...qaQueries.milestone(milestoneId), enabled });
  const burndown = useQuery({ ...qaQueries.milestoneBurndown(milestoneId), enabled });
  const workload = useQuery({ ...qaQueries.milestoneWorkload(milestoneId), enabled });
  const coverage = useQuery({ ...qaQueries.milestoneCoverage(milestoneId), enabled });
  const report = useQuery({ ...qaQueries.milestoneReport(milestoneId), enabled });
  const close = useMutation({
    mutationFn: async (open: boolean) =>
      open
        ? unwrap(await api.POST("/api/milestones/{milestone_id}/close", { params: { path: { milestone_id: milestoneId } }, body: { summary: summary || null } }))
        : authFetch(`/api/milestones/${milestoneId}/reopen`, { method: "POST" }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: qaKeys.milestone(milestoneId) }),
  });
  if (!ready) return <Loading what="your account" />;
  if (!milestoneId) return <ErrorNote error="No milestone chosen." />;
  if (milestone.isPending) return <Loading what="the milestone" />;
  if (milestone.isError) return <ErrorNote error={milestone.error} />;
  const m = milestone.data;
  const open = m.status === "open";
  const c = m.cases;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/milestones/?project=${m.project_id}`} className="text-sm text-blue-800 underline">
          ← Milestones
        </Link>
        <h1 className="text-2xl font-semibold">{m.name}</h1>
        <div className="mt-1 flex flex-wrap items-center gap-3 text-sm">
          <StatusBadge status={m.status} />
          <span>
            {m.start_date ?? "…"} → {m.due_date ?? "…"}
          </span>
          {m.goal && <span>{m.goal}</span>}
        </div>
        {m.summary && <p className="mt-2 text-sm text-slate-800" data-testid="milestone-summary">{m.summary}</p>}
      </div>
      <Card title="Progress">
        <p className="text-sm" data-testid="milestone-progress">
          {c.executed} of {c.planned} planned cases executed: {c.passed} passed, {c.failed} failed, {c.blocked} blocked, {c.skipped} skipped,{" "}
          {c.retest} to retest, {c.untested} untested.
        </p>
        <p className="mt-1 text-sm">
          {m.runs.runs} run(s) attached: {m.runs.passed} passed and {m.runs.failed} failed tests, {m.runs.flaky} flaky. Defects: {m.defects.open} open,{" "}
          {m.defects.closed} closed.
        </p>
      </Card>
      <Card title="Burndown">
        {burndown.isPending && <Loading what="the burndown" />}
        {burndown.isError && <ErrorNote error={burndown.error} />}
        {burndown.data && <BurndownChart data={burndown.data} />}
      </Card>
      <Card title="Workload">
        {workload.isError && <ErrorNote error={workload.error} />}
        {workload.data?.people.length === 0 && <Empty>Nobody is assigned cases or defects yet.</Empty>}
        {!!workload.data?.people.length && (
          <table className="w-full text-left text-sm">
            <thead className="text-slate-700">
              <tr>
                <th className="pr-3">Person</th>
                <th className="pr-3">Cases</th>
                <th className="pr-3">Open defects</th>
                <th className="pr-3">Spent</th>
                <th className="pr-3">Capacity</th>
              </tr>
            </thead>
            <tbody>
              {workload.data.people.map((p) => (
                <tr key={p.user_id} className="border-t border-slate-100">
                  <td className="pr-3">{p.email ?? p.user_id}</td>
                  <td className="pr-3">
                    {p.cases_executed} / {p.cases_assigned}
                  </td>
                  <td className="pr-3">{p.defects_open}</td>
                  <td className="pr-3">{p.hours_spent} h</td>
                  <td className="pr-3">{p.capacity === null ? "–" : `${p.capacity} ${p.unit}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Coverage">
        {coverage.isError && <ErrorNote error={coverage.error} />}
        {coverage.data && (
          <div className="flex flex-col gap-3 text-sm">
            {(["by_feature", "by_tag", "by_reference"] as const).map((group) => (
              <div key={group}>
                <h3 className="font-semibold">{group.replace("by_", "By ")}</h3>
                {coverage.data[group].length === 0 ? (
                  <p className="text-slate-600">–</p>
                ) : (
                  <ul>
                    {coverage.data[group].map((row) => (
                      <li key={row.name}>
                        {row.name}: {row.cases} cases, {row.automated} automated, {row.executed} executed, {row.passing} passing
                      </li>
                    ))}
                  </ul>
                )}
              </div>
            ))}
            <p>Never run: {coverage.data.never_run.length ? coverage.data.never_run.join(", ") : "none"}</p>
          </div>
        )}
      </Card>
      <Card title="Report">
        {report.isError && <ErrorNote error={report.error} />}
        {report.data && (
          <div className="flex flex-col gap-2 text-sm" data-testid="milestone-report">
            <p>Pass rate: {report.data.pass_rate === null ? "–" : `${Math.round(report.data.pass_rate * 100)} %`}</p>
            <p>
              Defects opened: {Object.entries(report.data.defects_opened).map(([s, n]) => `${s} ${n}`).join(", ")}; closed:{" "}
              {Object.entries(report.data.defects_closed).map(([s, n]) => `${s} ${n}`).join(", ")}
            </p>
            <p>Flaky tests: {report.data.flaky_tests.length ? report.data.flaky_tests.join(", ") : "none"}</p>
            <p>
              Time saved by the element cache:{" "}
              {report.data.time_saved.seconds === null
                ? `not known (${report.data.time_saved.reason})`
                : `${report.data.time_saved.seconds} s (${report.data.time_saved.cache_hits} resolver calls avoided × ${report.data.time_saved.mean_resolver_ms} ms measured)`}
            </p>
            <div>
              <Button variant="secondary" type="button" onClick={() => void downloadCsv(milestoneId, m.name)}>
                Download CSV
              </Button>
            </div>
          </div>
        )}
      </Card>
      <Card title={open ? "Close the milestone" : "Closed"}>
        {open && (
          <label className="mb-3 flex flex-col gap-1 text-sm">
            Summary (written from the figures when left empty)
            <textarea className="h-20 rounded border border-slate-400 p-2" value={summary} onChange={(e) => setSummary(e.target.value)} />
          </label>
        )}
        <Button variant={open ? "danger" : "secondary"} type="button" busy={close.isPending} onClick={() => close.mutate(open)}>
          {open ? "Close milestone" : "Reopen"}
        </Button>
        {close.isError && <ErrorNote error={close.error} />}
      </Card>
    </div>
  );
}

export default withSuspense(MilestonePage);
