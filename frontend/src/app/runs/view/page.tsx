"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { api, type RunDetail, type Schemas } from "@/api/client";
import { Decision } from "@/components/Decision";
import { withSuspense } from "@/components/Page";
import { ShareLink } from "@/components/ShareLink";
import { Button, Card, Empty, ErrorNote, Loading, StatusBadge } from "@/components/ui";
import { download, useObjectUrl } from "@/lib/artifacts";
import { unwrap } from "@/lib/errors";
import { useRunStream, type LiveRun } from "@/lib/runStream";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

type Artifact = Schemas["ArtifactOut"];
type TestResult = Schemas["TestResultOut"];
const ACTIVE = new Set(["queued", "running"]);

interface StoredStep {
  instruction?: string;
  kind?: string;
  decision?: string;
  confidence?: number;
  duration_ms?: number;
  explanation?: string;
  selector?: string | null;
  matched_by?: string | null;
}

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

function Screenshot({ artifact }: { artifact: Artifact }) {
  const src = useObjectUrl(artifact.download_url || null);
  return (
    <figure className="rounded border border-slate-200 p-2">
      {src ? (
        <img src={src} alt={`Screenshot ${artifact.path}`} className="max-h-64 w-auto" />
      ) : (
        <Loading what="screenshot" />
      )}
      <figcaption className="mt-1 break-all text-xs text-slate-600">{artifact.path}</figcaption>
    </figure>
  );
}

function TestDetail({ test }: { test: TestResult }) {
  const steps = test.steps as StoredStep[];
  return (
    <li className="rounded border border-slate-200 p-3" data-testid="result-test">
      <div className="flex flex-wrap items-center gap-2">
        <StatusBadge status={test.outcome} />
        <span className="break-all font-mono text-sm">{test.node_id}</span>
        <span className="text-xs text-slate-600">{test.duration.toFixed(2)} s</span>
        {test.flaky && <span className="text-xs font-semibold text-amber-800">flaky</span>}
      </div>
      {test.error_message && <p className="mt-2 text-sm text-red-800">{test.error_message}</p>}
      {steps.length > 0 && (
        <table className="mt-2 w-full text-left text-sm">
          <caption className="sr-only">Steps of {test.node_id}</caption>
          <thead className="text-slate-700">
            <tr>
              <th className="pr-3">#</th>
              <th className="pr-3">Step</th>
              <th className="pr-3">Decision</th>
              <th className="pr-3">Why</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((step, i) => (
              <tr key={i} className="border-t border-slate-100 align-top" data-testid="result-step">
                <td className="pr-3">{i + 1}</td>
                <td className="pr-3">{step.instruction}</td>
                <td className="pr-3 whitespace-nowrap">
                  <Decision decision={step.decision ?? null} confidence={step.confidence} />
                  {step.matched_by === "containment" && (
                    <span className="ml-1 text-xs text-amber-800" data-testid="matched-by-containment">
                      matched by containment
                    </span>
                  )}
                </td>
                <td className="pr-3 text-slate-700">{step.explanation}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {test.traceback && (
        <details className="mt-2">
          <summary className="cursor-pointer text-sm">Traceback</summary>
          <pre className="mt-1 overflow-auto whitespace-pre-wrap text-xs">{test.traceback}</pre>
        </details>
      )}
    </li>
  );
}

function Deliveries({ runId }: { runId: string }) {
  const queryClient = useQueryClient();
  const deliveries = useQuery({
    queryKey: ["deliveries", runId],
    queryFn: async () => unwrap(await api.GET("/api/runs/{run_id}/deliveries", { params: { path: { run_id: runId } } })),
    // Reports go out after the run ends: follow them until none is pending.
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
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["deliveries", runId] }),
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
    queryKey: ["run", runId],
    queryFn: async () => unwrap(await api.GET("/api/runs/{run_id}", { params: { path: { run_id: runId ?? "" } } })),
    enabled: ready && !!runId,
  });
  const finishedLive = live.status !== null && !ACTIVE.has(live.status);
  // Results, artifacts and counts are written when the run ends: read them again then.
  useEffect(() => {
    if (finishedLive) void queryClient.invalidateQueries({ queryKey: ["run", runId] });
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
  const cache = detail.cache_stats as Record<string, number>;

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
      <ProgressBar live={live} run={detail} />

      {(active || live.tests.length > 0) && (
        <div className="grid gap-6 lg:grid-cols-2">
          <Card title="Tests (live)">
            <LiveTests live={live} />
          </Card>
          <Card title="Output">
            <Output lines={live.output} />
          </Card>
        </div>
      )}

      {!active && (
        <>
          <Card title="Results">
            <p className="mb-3 text-sm text-slate-700">
              {detail.passed} passed · {detail.failed} failed · {detail.errors} errors · {detail.skipped} skipped
              {detail.duration !== null && ` · ${detail.duration.toFixed(1)} s`}
              {cache.steps !== undefined &&
                ` · ${cache.steps} steps: ${cache.cache_hits ?? 0} cache hits, ${cache.heals ?? 0} healed, ${cache.resolver_calls ?? 0} AI calls`}
            </p>
            {detail.tests.length === 0 ? (
              <Empty>No test results were recorded.</Empty>
            ) : (
              <ul className="flex flex-col gap-3">
                {detail.tests.map((test) => (
                  <TestDetail key={test.id} test={test} />
                ))}
              </ul>
            )}
          </Card>
          <Card title="Screenshots">
            {screenshots.length === 0 ? (
              <Empty>No screenshots.</Empty>
            ) : (
              <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
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
