"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { api, type RunDetail, type Schemas } from "@/api/client";
import { Decision, resolverName } from "@/components/Decision";
import { withSuspense } from "@/components/Page";
import { RunMeta } from "@/components/run/RunMeta";
import { Screenshot } from "@/components/run/Screenshot";
import { StepFilter, matches, type StepFilterValue } from "@/components/run/StepFilter";
import { TestDetail } from "@/components/run/TestDetail";
import { ShareLink } from "@/components/ShareLink";
import { Button, Card, Empty, ErrorNote, Loading, StatusBadge } from "@/components/ui";
import { download } from "@/lib/artifacts";
import { unwrap } from "@/lib/errors";
import { useRunStream, type LiveRun } from "@/lib/runStream";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { keys, queries } from "@/api/queries";

type TestResult = Schemas["TestResultOut"];

// The summary line of a finished run, in words: expected failures (xfail) said apart, so a
// passing run never reads "1 failed" without a reason; the cache figure as
// docs/element-cache.md "Hit rate" defines it, and which resolver decided.
function Summary({ run }: { run: RunDetail }) {
  const xfailed = run.tests.filter((t: TestResult) => t.outcome === "xfailed").length;
  const xpassed = run.tests.filter((t: TestResult) => t.outcome === "xpassed").length;
  const cache = run.cache_stats as { steps?: number; lookups?: number; cache_hits?: number; heals?: number; resolver_calls?: number; hit_rate?: number | null; resolvers?: string[] };
  const parts = [`${run.passed} passed`, `${run.failed} failed`, `${run.errors} errors`, `${run.skipped} skipped`];
  if (xfailed) parts.push(`${xfailed} expected failure${xfailed === 1 ? "" : "s"} (xfail)`);
  if (xpassed) parts.push(`${xpassed} unexpectedly passed (xpass)`);
  const resolvers = (cache.resolvers ?? []).map((r) => resolverName(r)).join(", ");
  return (
    <div className="mb-3 flex flex-col gap-1 text-sm text-slate-700" data-testid="run-summary">
      <p>{parts.join(" · ")}</p>
      {xfailed > 0 && (
        <p data-testid="xfail-note">
          An expected failure is a test the suite marks with <code>xfail</code> (known to fail): it is listed, but it
          does not fail the run.
        </p>
      )}
      {cache.steps !== undefined && cache.steps > 0 && (
        <p data-testid="cache-summary">
          {cache.steps} steps · {cache.cache_hits ?? 0} of {cache.lookups ?? cache.steps} element lookups answered from
          the cache
          {typeof cache.hit_rate === "number" && ` (hit rate ${Math.round(cache.hit_rate * 100)} % in this run)`} ·{" "}
          {cache.heals ?? 0} healed · {cache.resolver_calls ?? 0} resolver calls
          {resolvers && ` (resolver: ${resolvers})`}
        </p>
      )}
    </div>
  );
}

function Results({ run }: { run: RunDetail }) {
  const [filter, setFilter] = useState<StepFilterValue>("all");
  const shown = run.tests.filter((t: TestResult) => matches(t, filter));
  // Quarantined when the run started (backend/runs/quarantine.py): shown, not counted.
  const listed = (run.options as { quarantined?: unknown }).quarantined;
  const quarantined = new Set(Array.isArray(listed) ? (listed as string[]) : []);
  return (
    <>
      <Summary run={run} />
      {run.tests.length === 0 ? (
        <Empty>No test results were recorded.</Empty>
      ) : (
        <>
          <StepFilter tests={run.tests} value={filter} onChange={setFilter} />
          {shown.length === 0 && <Empty>No test matches this filter.</Empty>}
          <ul className="flex flex-col gap-3">
            {shown.map((test: TestResult) => (
              <TestDetail key={test.id} test={test} projectId={run.project_id} quarantined={quarantined.has(test.node_id)} />
            ))}
          </ul>
        </>
      )}
    </>
  );
}
const ACTIVE = new Set(["queued", "running"]);

function ProgressBar({ live, run }: { live: LiveRun; run: RunDetail }) {
  const percent = live.progress?.percent ?? (ACTIVE.has(run.status) ? 0 : 100);
  const done = live.progress?.done ?? run.passed + run.failed + run.errors + run.skipped;
  const collected = live.progress?.collected || run.total;
  return (
    <div>
      <div
        role="progressbar"
        aria-label="Run progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        className="h-3 w-full overflow-hidden rounded bg-slate-200"
      >
        <div className="h-full bg-blue-700 transition-all" style={{ width: `${percent}%` }} />
      </div>
      <p className="mt-1 text-sm text-slate-700" aria-live="polite">
        {done} of {collected || "?"} tests finished ({percent} %)
      </p>
    </div>
  );
}

function LiveTests({ live }: { live: LiveRun }) {
  if (live.tests.length === 0) return <Empty>Waiting for the first test…</Empty>;
  return (
    <ul className="flex flex-col gap-2" aria-label="Tests, live">
      {live.tests.map((test) => (
        <li key={test.nodeid} className="rounded border border-slate-200 p-2" data-testid="live-test">
          <div className="flex flex-wrap items-center gap-2">
            <StatusBadge status={test.status} />
            <span className="break-all font-mono text-sm">{test.nodeid}</span>
            {test.duration !== null && <span className="text-xs text-slate-600">{test.duration.toFixed(2)} s</span>}
          </div>
          {test.steps.length > 0 && (
            <ol className="mt-2 flex flex-col gap-1 pl-4 text-sm">
              {test.steps.map((step, i) => (
                <li key={i} className="flex flex-wrap items-center gap-2" data-testid="live-step">
                  <Decision decision={step.decision} confidence={step.confidence} />
                  <span>{step.instruction}</span>
                </li>
              ))}
            </ol>
          )}
        </li>
      ))}
    </ul>
  );
}

function Output({ lines }: { lines: string[] }) {
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length]);
  if (lines.length === 0) return <Empty>No output yet.</Empty>;
  return (
    <pre
      ref={box}
      tabIndex={0}
      aria-label="Test output"
      className="max-h-80 overflow-auto whitespace-pre-wrap rounded bg-slate-900 p-3 text-xs text-slate-100 [overflow-wrap:anywhere]"
    >
      {lines.join("\n")}
    </pre>
  );
}

function Deliveries({ runId }: { runId: string }) {
  const queryClient = useQueryClient();
  const deliveries = useQuery({
    ...queries.runDeliveries(runId),
    refetchInterval: (query) =>
      query.state.data?.some((d) => d.status === "pending" || d.status === "in_progress") ? 3000 : false,
  });
  const again = useMutation({
    mutationFn: async (id: string) =>
      unwrap(
        await api.POST("/api/runs/{run_id}/deliveries/{delivery_id}/redeliver", {
          params: { path: { run_id: runId, delivery_id: id } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.runDeliveries(runId) }),
  });
  if (deliveries.isPending) return <Loading what="report deliveries" />;
  if (deliveries.isError) return <ErrorNote error={deliveries.error} />;
  if (deliveries.data.length === 0) return <Empty>No reporting destinations for this run.</Empty>;
  return (
    <>
      <ErrorNote error={again.error} />
      <ul className="divide-y divide-slate-200 text-sm">
        {deliveries.data.map((d) => (
          <li key={d.id} className="flex flex-wrap items-center gap-3 py-2">
            <span className="font-medium">{d.key}</span>
            <StatusBadge status={d.status} />
            <span className="text-slate-600">
              {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
            </span>
            {d.link && (
              <a className="text-blue-800 underline" href={d.link} target="_blank" rel="noreferrer">
                open
              </a>
            )}
            {d.last_error && <span className="text-red-800">{d.last_error}</span>}
            <span className="ml-auto">
              <Button type="button" variant="secondary" onClick={() => again.mutate(d.id)}>
                Send again
              </Button>
            </span>
          </li>
        ))}
      </ul>
    </>
  );
}

function RunPage() {
  const ready = useRequireAuth();
  const runId = useParam("id");
  const router = useRouter();
  const queryClient = useQueryClient();
  const live = useRunStream(ready ? runId : null);
  const run = useQuery({
    ...queries.run(runId ?? ""),
    enabled: ready && !!runId,
  });
  const finishedLive = live.status !== null && !ACTIVE.has(live.status);
  // Results, artifacts and counts are written when the run ends: read them again then.
  useEffect(() => {
    if (finishedLive) void queryClient.invalidateQueries({ queryKey: keys.run(runId ?? "") });
  }, [finishedLive, queryClient, runId]);
  const rerun = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/runs/{run_id}/rerun-failed", { params: { path: { run_id: runId ?? "" } } })),
    onSuccess: (next) => router.push(`/runs/view/?id=${next.id}`),
  });
  // The server-rendered report page (logs, screenshots, Playwright's trace viewer) opens
  // through a short-lived signed link made for this user.
  const report = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/runs/{run_id}/report-link", { params: { path: { run_id: runId ?? "" } } })),
    onSuccess: (link) => window.location.assign(link.url),
  });
  const cancel = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/runs/{run_id}/cancel", { params: { path: { run_id: runId ?? "" } } })),
  });

  if (!ready) return <Loading what="your account" />;
  if (!runId) return <ErrorNote error="No run chosen." />;
  if (run.isPending) return <Loading what="the run" />;
  if (run.isError) return <ErrorNote error={run.error} />;
  const detail = run.data;
  const status = live.status ?? detail.status;
  const active = ACTIVE.has(status);
  const screenshots = detail.artifacts.filter((a) => a.content_type.startsWith("image/"));
  const others = detail.artifacts.filter((a) => !a.content_type.startsWith("image/"));

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center gap-3">
        <Link href={`/runs/?project=${detail.project_id}`} className="text-sm text-blue-800 underline">
          ← Runs
        </Link>
        <h1 className="text-2xl font-semibold">
          Run <span className="font-mono">{detail.id.slice(0, 8)}</span>
        </h1>
        <span data-testid="run-status">
          <StatusBadge status={status} />
        </span>
        <span className="text-sm text-slate-600">
          {live.connection === "live" && "live"}
          {live.connection === "reconnecting" && "connection lost, reconnecting…"}
          {live.connection === "refused" && "live updates unavailable"}
        </span>
        <div className="ml-auto flex flex-wrap gap-2">
          {active && (
            <Button type="button" variant="secondary" busy={cancel.isPending} onClick={() => cancel.mutate()}>
              Cancel run
            </Button>
          )}
          {!active && (
            <Button type="button" variant="secondary" busy={report.isPending} onClick={() => report.mutate()}>
              Report page and trace
            </Button>
          )}
          {!active && detail.failed + detail.errors > 0 && (
            <Button type="button" busy={rerun.isPending} onClick={() => rerun.mutate()}>
              Re-run failed
            </Button>
          )}
        </div>
      </div>
      <ErrorNote error={rerun.error ?? cancel.error ?? report.error} />
      {detail.reason && <p className="text-slate-700">{detail.reason}</p>}
      <RunMeta run={detail} />

      {active && (
        <>
          <ProgressBar live={live} run={detail} />
          <div className="grid gap-6 lg:grid-cols-2">
            <Card title="Tests (live)">
              <LiveTests live={live} />
            </Card>
            <Card title="Output">
              <Output lines={live.output} />
            </Card>
          </div>
        </>
      )}

      {!active && (
        <>
          <Card title="Results">
            <Results run={detail} />
          </Card>
          {live.output.length > 0 && (
            <Card title="Output">
              <Output lines={live.output} />
            </Card>
          )}
          <Card title="Screenshots">
            {screenshots.length === 0 ? (
              <Empty>No screenshots.</Empty>
            ) : (
              <div className="grid gap-4 lg:grid-cols-2">
                {screenshots.map((a) => (
                  <Screenshot key={a.id} artifact={a} />
                ))}
              </div>
            )}
          </Card>
          <Card title="Reports">
            <Deliveries runId={detail.id} />
          </Card>
          <Card title="Share">
            <ShareLink runId={detail.id} />
          </Card>
          <Card title="Artifacts">
            {others.length === 0 ? (
              <Empty>No other artifacts.</Empty>
            ) : (
              <ul className="flex flex-col gap-1 text-sm">
                {others.map((a) => (
                  <li key={a.id}>
                    <button
                      type="button"
                      className="break-all text-blue-800 underline"
                      onClick={() => void download(a.download_url ?? "", a.path.split("/").pop() ?? "artifact")}
                    >
                      {a.path}
                    </button>{" "}
                    <span className="text-slate-600">
                      ({a.kind}, {Math.ceil(a.size / 1024)} KiB)
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </>
      )}
    </div>
  );
}

export default withSuspense(RunPage);
