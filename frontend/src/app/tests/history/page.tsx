"use client";
// One test: its status with the evidence and the history of its changes, quarantine, its
// durations over time and every result (run, branch, commit, outcome, duration, retries,
// error, steps with their cache decisions), filtered by branch and period.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { analytics, type HistoryQuery } from "@/api/queries/analytics";
import { withSuspense } from "@/components/Page";
import { Card, Empty, ErrorNote, Loading, StatusBadge } from "@/components/ui";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { DurationChart, EvidenceList, HealthBadge, QuarantineControl, TestsHeader, ms, when } from "../_parts";

const PERIODS: { value: string; label: string; days: number | null }[] = [
  { value: "", label: "all time", days: null },
  { value: "1", label: "last 24 hours", days: 1 },
  { value: "7", label: "last 7 days", days: 7 },
  { value: "30", label: "last 30 days", days: 30 },
];

function StatusCard({ projectId, test }: { projectId: string; test: string }) {
  const status = useQuery(analytics.status(projectId, test));
  if (status.isPending) return <Loading what="the test's status" />;
  if (status.isError) return <ErrorNote error={status.error} />;
  const s = status.data;
  return (
    <Card title="Status">
      <div className="flex flex-col gap-3">
        <p className="flex flex-wrap items-center gap-2">
          <HealthBadge status={s.status} quarantined={s.quarantined} />
          {s.since && <span className="text-sm text-slate-700">since {when(s.since)}</span>}
        </p>
        {s.evidence.length > 0 && (
          <div>
            <h3 className="font-medium">{s.status === "healthy" ? "Evidence" : `${s.status} because:`}</h3>
            <EvidenceList evidence={s.evidence} />
          </div>
        )}
        {s.quarantine && (
          <p className="text-sm" data-testid="quarantine-info">
            Quarantined {s.quarantine.by === "monitor" ? "by a monitor" : `by ${s.quarantine.by_user ?? "a person"}`} on{" "}
            {when(s.quarantine.since)}: {s.quarantine.reason}. Its failures do not fail runs; {s.quarantine.consecutive_passes}{" "}
            passes in a row so far.
          </p>
        )}
        <QuarantineControl projectId={projectId} test={test} quarantined={s.quarantined} />
        {s.changes.length > 0 && (
          <details>
            <summary className="cursor-pointer text-sm">Status changes ({s.changes.length})</summary>
            <ul className="mt-1 flex flex-col gap-1 text-sm">
              {s.changes.map((c, i) => (
                <li key={i}>
                  {when(c.at)}: <HealthBadge status={c.status} /> {c.reason}
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
    </Card>
  );
}

function Trend({ projectId, test }: { projectId: string; test: string }) {
  const trends = useQuery(analytics.trends(projectId, test, "day"));
  if (trends.isPending) return <Loading what="durations" />;
  if (trends.isError) return <ErrorNote error={trends.error} />;
  return <DurationChart points={trends.data.points} />;
}

function TestHistory() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const test = useParam("test");
  const [branch, setBranch] = useState("");
  const [period, setPeriod] = useState("");
  const days = PERIODS.find((p) => p.value === period)?.days ?? null;
  // The period's start, rounded to the minute so the query key stays stable while typing.
  const since = days === null ? undefined : new Date(Math.floor(Date.now() / 60000) * 60000 - days * 86400000).toISOString();
  const filter: HistoryQuery = { branch: branch || undefined, since };
  const history = useQuery({
    ...analytics.history(projectId ?? "", test ?? "", filter),
    enabled: ready && !!projectId && !!test,
  });
  if (!ready) return <Loading what="your account" />;
  if (!projectId || !test) return <ErrorNote error="No test chosen. Pick one on the tests page." />;
  return (
    <div className="flex flex-col gap-6">
      <TestsHeader projectId={projectId} title="test history" current="" />
      <h2 className="break-all font-mono text-lg" data-testid="test-name">
        {test}
      </h2>
      <StatusCard projectId={projectId} test={test} />
      <Card title="Duration per day">
        <Trend projectId={projectId} test={test} />
      </Card>
      <Card title="Results">
        <div role="group" aria-label="Result filters" className="mb-4 flex flex-wrap items-end gap-3">
          <label className="flex flex-col text-sm">
            Branch
            <input value={branch} onChange={(e) => setBranch(e.target.value)} className="rounded border border-slate-400 px-2 py-1" type="search" />
          </label>
          <label className="flex flex-col text-sm">
            Period
            <select value={period} onChange={(e) => setPeriod(e.target.value)} className="rounded border border-slate-400 px-2 py-1">
              {PERIODS.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        {history.isPending && <Loading what="results" />}
        {history.isError && <ErrorNote error={history.error} />}
        {history.data?.items.length === 0 && <Empty>No results for these filters.</Empty>}
        {!!history.data?.items.length && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Results of this test, newest first ({history.data.total})</caption>
              <thead className="text-slate-700">
                <tr>
                  <th className="pr-3">Run</th>
                  <th className="pr-3">Branch</th>
                  <th className="pr-3">Commit</th>
                  <th className="pr-3">Outcome</th>
                  <th className="pr-3">Duration</th>
                  <th className="pr-3">Retries</th>
                  <th className="pr-3">Error and steps</th>
                  <th className="pr-3">Finished</th>
                </tr>
              </thead>
              <tbody>
                {history.data.items.map((r) => (
                  <tr key={r.run_id} className="border-t border-slate-100 align-top" data-testid="history-row">
                    <td className="pr-3">
                      <Link href={`/runs/view/?id=${r.run_id}`} className="font-mono text-blue-800 underline">
                        {r.run_number ? `#${r.run_number}` : r.run_id.slice(0, 8)}
                      </Link>
                      <div className="text-xs text-slate-600">{r.trigger}</div>
                    </td>
                    <td className="pr-3">{r.branch ?? "–"}</td>
                    <td className="pr-3 font-mono">{r.commit_sha?.slice(0, 7) ?? "–"}</td>
                    <td className="pr-3">
                      <StatusBadge status={r.outcome} />
                      {r.flaky && <span className="ml-1 text-xs text-amber-800">flaky</span>}
                    </td>
                    <td className="whitespace-nowrap pr-3">{ms(r.duration_ms)}</td>
                    <td className="pr-3">{r.retries}</td>
                    <td className="max-w-md pr-3">
                      {r.error_message && <p className="break-words text-red-800">{r.error_message}</p>}
                      {r.steps.length > 0 && (
                        <details>
                          <summary className="cursor-pointer text-xs">{r.steps.length} steps</summary>
                          <ol className="list-decimal pl-5 text-xs">
                            {r.steps.map((s, i) => (
                              <li key={i}>
                                {s.text} — <span className="font-mono">{s.decision ?? "no decision"}</span>
                                {s.matched_by ? ` (matched by ${s.matched_by})` : ""}
                              </li>
                            ))}
                          </ol>
                        </details>
                      )}
                    </td>
                    <td className="whitespace-nowrap pr-3">{when(r.finished_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

export default withSuspense(TestHistory);
