"use client";
// Durations over time (p50/p95 per day or week) for the whole suite or one test, the tests
// now much slower than their own history, and what flakiness cost and the cache saved.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { analytics } from "@/api/queries/analytics";
import { withSuspense } from "@/components/Page";
import { Card, Empty, ErrorNote, Loading } from "@/components/ui";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { DurationChart, TestsHeader, ms, percent, testHref } from "../_parts";

function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return "not measured";
  return value >= 60 ? `${(value / 60).toFixed(1)} min` : `${value.toFixed(1)} s`;
}

function CostCard({ projectId }: { projectId: string }) {
  const cost = useQuery(analytics.cost(projectId));
  return (
    <Card title="Cost of flakiness and value of the cache">
      {cost.isPending && <Loading what="the figures" />}
      {cost.isError && <ErrorNote error={cost.error} />}
      {cost.data && (
        <dl className="grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-2" data-testid="cost">
          <dt className="text-slate-700">Time spent on retries</dt>
          <dd>{seconds(cost.data.retry_seconds)}</dd>
          <dt className="text-slate-700">Time in runs failed by flaky tests</dt>
          <dd>{seconds(cost.data.failed_flaky_run_seconds)}</dd>
          <dt className="text-slate-700">Failures of flaky tests</dt>
          <dd>{cost.data.flaky_failures}</dd>
          <dt className="text-slate-700">Resolver calls avoided by the cache</dt>
          <dd>{cost.data.resolver_calls_avoided}</dd>
          <dt className="text-slate-700">Resolver time avoided</dt>
          <dd>
            {seconds(cost.data.resolver_seconds_avoided)}
            {cost.data.resolver_ms_measured !== null && (
              <span className="text-slate-600"> ({ms(cost.data.resolver_ms_measured)} per call, measured on this project)</span>
            )}
          </dd>
        </dl>
      )}
    </Card>
  );
}

function TrendsPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const initialTest = useParam("test") ?? "";
  const [test, setTest] = useState(initialTest);
  const [typed, setTyped] = useState(initialTest);
  const [bucket, setBucket] = useState<"day" | "week">("day");
  const trends = useQuery({ ...analytics.trends(projectId ?? "", test, bucket), enabled: ready && !!projectId });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  return (
    <div className="flex flex-col gap-6">
      <TestsHeader projectId={projectId} title="duration trends" current="/tests/trends/" />
      <Card title={test ? `Durations of ${test}` : "Durations of the whole suite"}>
        <form
          className="mb-4 flex flex-wrap items-end gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            setTest(typed.trim());
          }}
        >
          <label className="flex flex-col text-sm">
            Test (node id; empty for the suite)
            <input value={typed} onChange={(e) => setTyped(e.target.value)} className="w-96 max-w-full rounded border border-slate-400 px-2 py-1" />
          </label>
          <label className="flex flex-col text-sm">
            Per
            <select value={bucket} onChange={(e) => setBucket(e.target.value as "day" | "week")} className="rounded border border-slate-400 px-2 py-1">
              <option value="day">day</option>
              <option value="week">week</option>
            </select>
          </label>
          <button type="submit" className="rounded border border-slate-400 px-3 py-1">
            Show
          </button>
        </form>
        {trends.isPending && <Loading what="durations" />}
        {trends.isError && <ErrorNote error={trends.error} />}
        {trends.data && (
          <>
            <DurationChart points={trends.data.points} />
            <details className="mt-2">
              <summary className="cursor-pointer text-sm">As a table</summary>
              <table className="mt-1 text-left text-sm">
                <thead>
                  <tr>
                    <th className="pr-3">From</th>
                    <th className="pr-3">Results</th>
                    <th className="pr-3">p50</th>
                    <th className="pr-3">p95</th>
                    <th className="pr-3">Pass rate</th>
                  </tr>
                </thead>
                <tbody>
                  {trends.data.points.map((p) => (
                    <tr key={p.bucket_start} data-testid="trend-point">
                      <td className="pr-3">{p.bucket_start}</td>
                      <td className="pr-3">{p.results}</td>
                      <td className="pr-3">{ms(p.p50_ms)}</td>
                      <td className="pr-3">{ms(p.p95_ms)}</td>
                      <td className="pr-3">{percent(p.pass_rate)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </>
        )}
      </Card>
      <Card title="Slower than their own history">
        {trends.data?.regressions.length === 0 && <Empty>No test is much slower than it used to be.</Empty>}
        {!!trends.data?.regressions.length && (
          <ul className="flex flex-col gap-1 text-sm">
            {trends.data.regressions.map((r) => (
              <li key={r.test} data-testid="regression">
                <Link href={testHref(projectId, r.test)} className="break-all font-mono text-blue-800 underline">
                  {r.test}
                </Link>{" "}
                p50 {ms(r.recent_p50_ms)} now, {ms(r.baseline_p50_ms)} before (×{r.ratio.toFixed(1)})
              </li>
            ))}
          </ul>
        )}
      </Card>
      <CostCard projectId={projectId} />
    </div>
  );
}

export default withSuspense(TrendsPage);
