"use client";
// A project's home: recent runs, pass rate and cache hit rate per day, the next scheduled
// runs, the tests failing now and the flaky ones (GET /api/projects/{id}/insights).
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { api, type Schemas } from "@/api/client";
import { DailyChart, overall, percent } from "@/components/DailyChart";
import { withSuspense } from "@/components/Page";
import { Card, Empty, ErrorNote, Loading, StatusBadge } from "@/components/ui";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { queries } from "@/api/queries";

type TestTrend = Schemas["TestTrend"];

function TestList({ tests, empty, label }: { tests: TestTrend[]; empty: string; label: string }) {
  if (tests.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul aria-label={label} className="flex flex-col gap-2 text-sm">
      {tests.map((t) => (
        <li key={t.node_id} className="flex flex-wrap items-center gap-2">
          <code className="break-all">{t.node_id}</code>
          <span className="text-slate-700">
            failed {t.failures} of its last {t.runs} runs · last:
          </span>
          <Link href={`/runs/view/?id=${t.last_run_id}`} className="text-blue-800 underline">
            <StatusBadge status={t.last_outcome} />
            <span className="sr-only"> (open that run)</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

function HomePage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const enabled = ready && !!projectId;
  const path = { params: { path: { project_id: projectId ?? "" } } };
  const project = useQuery({
    ...queries.project(projectId ?? ""),
    enabled,
  });
  const insights = useQuery({
    ...queries.projectInsights(projectId ?? ""),
    enabled,
  });
  const runs = useQuery({
    ...queries.projectRuns(projectId ?? "", { limit: 5 }),
    enabled,
  });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  const data = insights.data;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href="/projects/" className="text-sm text-blue-800 underline">
          ← Projects
        </Link>
        <h1 className="text-2xl font-semibold">{project.data?.name ?? "Project"} · home</h1>
        {project.isError && <ErrorNote error={project.error} />}
        <nav aria-label="Project" className="flex flex-wrap gap-4 text-sm">
          <Link href={`/runs/?project=${projectId}`} className="text-blue-800 underline">
            All runs
          </Link>
          <Link href={`/tests/?project=${projectId}`} className="text-blue-800 underline">
            Tests
          </Link>
          <Link href={`/cache/?project=${projectId}`} className="text-blue-800 underline">
            Element cache
          </Link>
          <Link href={`/workflows/?project=${projectId}`} className="text-blue-800 underline">
            Repository and workflows
          </Link>
        </nav>
      </div>
      <Card title="Recent runs">
        {runs.isPending && <Loading what="runs" />}
        {runs.isError && <ErrorNote error={runs.error} />}
        {runs.data?.items.length === 0 && (
          <Empty>
            No runs yet. <Link href={`/runs/?project=${projectId}`} className="text-blue-800 underline">Start one</Link>.
          </Empty>
        )}
        {!!runs.data?.items.length && (
          <ul aria-label="Recent runs" className="flex flex-col gap-2 text-sm">
            {runs.data.items.map((run) => (
              <li key={run.id} className="flex flex-wrap items-center gap-3">
                <Link className="font-mono text-blue-800 underline" href={`/runs/view/?id=${run.id}`}>
                  {run.id.slice(0, 8)}
                </Link>
                <StatusBadge status={run.status} />
                <span>{run.total ? `${run.passed}/${run.total} passed` : "no results yet"}</span>
                <span className="text-slate-600">{new Date(run.queued_at).toLocaleString()}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
      {insights.isPending && <Loading what="the project's trends" />}
      {insights.isError && <ErrorNote error={insights.error} />}
      {data && (
        <>
          <Card title={`The last ${data.days} days`}>
            <p className="mb-4 text-sm text-slate-800">
              Pass rate {percent(overall(data.daily, "passed", "tests"))} · cache hit rate{" "}
              {percent(overall(data.daily, "cache_hits", "cache_steps"))}
            </p>
            <div className="grid gap-6 sm:grid-cols-2">
              <DailyChart
                title="Pass rate"
                days={data.daily}
                rate={(d) => d.pass_rate}
                detail={(d) => `${d.passed} of ${d.tests} tests passed in ${d.runs} runs`}
              />
              <DailyChart
                title="Cache hit rate"
                days={data.daily}
                rate={(d) => d.cache_hit_rate}
                detail={(d) => `${d.cache_hits} of ${d.cache_steps} steps answered from the cache`}
              />
            </div>
          </Card>
          <div className="grid gap-6 lg:grid-cols-2">
            <Card title="Failing tests">
              <TestList tests={data.failing} label="Failing tests" empty={`Nothing is failing in the last ${data.recent_runs} runs.`} />
            </Card>
            <Card title="Flaky tests">
              <TestList tests={data.flaky} label="Flaky tests" empty="No flaky tests: none passed only after a retry or recovered from a failure." />
            </Card>
          </div>
          <Card title="Upcoming schedules">
            {data.schedules.length === 0 ? (
              <Empty>
                No scheduled workflows. Add a schedule in the{" "}
                <Link href={`/workflows/?project=${projectId}`} className="text-blue-800 underline">workflow editor</Link>.
              </Empty>
            ) : (
              <ul aria-label="Upcoming schedules" className="flex flex-col gap-2 text-sm">
                {data.schedules.map((s) => (
                  <li key={s.workflow_id}>
                    <strong>{s.workflow_name}</strong>: next at {new Date(s.next_at).toLocaleString()}{" "}
                    <span className="text-slate-600">
                      (<code>{s.cron}</code>, {s.timezone})
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

export default withSuspense(HomePage);
