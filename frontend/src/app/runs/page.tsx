"use client";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { api, type RunOut, type Schemas } from "@/api/client";
import { Onboarding } from "@/components/Onboarding";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading, StatusBadge } from "@/components/ui";
import { ApiError, unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { keys, queries } from "@/api/queries";

type RunState = Schemas["RunState"];
type Trigger = Schemas["Trigger"];
const STATES: RunState[] = ["queued", "running", "passed", "failed", "error", "cancelled", "timed_out"];
const TRIGGERS: Trigger[] = ["manual", "push", "pull_request", "schedule"];
const ACTIVE = new Set(["queued", "running"]);

function StartRunForm({ projectId }: { projectId: string }) {
  const router = useRouter();
  const start = useMutation({
    mutationFn: async (body: Schemas["RunCreate"]) =>
      unwrap(await api.POST("/api/projects/{project_id}/runs", { params: { path: { project_id: projectId } }, body })),
    onSuccess: (run) => router.push(`/runs/view/?id=${run.id}`),
  });
  const fields = start.error instanceof ApiError ? start.error.fields : {};
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const paths = String(form.get("test_paths") ?? "")
      .split(/[\s,]+/)
      .filter(Boolean);
    start.mutate({
      branch: String(form.get("branch")) || null,
      selection: { test_paths: paths, markers: String(form.get("markers")) || null, node_ids: [] },
    });
  }
  return (
    <form onSubmit={submit} className="grid gap-3 sm:grid-cols-4" aria-label="Start a run">
      <Field label="Branch (optional)" name="branch" error={fields.branch} />
      <Field label="Tests (optional)" name="test_paths" hint="Paths or node ids, comma separated" error={fields["selection.test_paths"]} />
      <Field label="Markers (optional)" name="markers" error={fields["selection.markers"]} />
      <div className="flex items-end">
        <Button busy={start.isPending}>Start run</Button>
      </div>
      {Object.keys(fields).length === 0 && (
        <div className="sm:col-span-4">
          <ErrorNote error={start.error} />
        </div>
      )}
    </form>
  );
}

function counts(run: RunOut): string {
  if (run.total === 0) return "–";
  return `${run.passed}/${run.total} passed` + (run.failed + run.errors ? `, ${run.failed + run.errors} failed` : "");
}

function RunsPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const [status, setStatus] = useState<RunState | "">("");
  const [trigger, setTrigger] = useState<Trigger | "">("");
  const [branch, setBranch] = useState("");
  const project = useQuery({
    ...queries.project(projectId ?? ""),
    enabled: ready && !!projectId,
  });
  const runs = useQuery({
    ...queries.projectRuns(projectId ?? "", { status: status || undefined, trigger: trigger || undefined, branch: branch || undefined, limit: 50 }),
    enabled: ready && !!projectId,
    placeholderData: keepPreviousData,
    // Poll while something is still going on; the run view itself is live.
    refetchInterval: (query) => (query.state.data?.items.some((r) => ACTIVE.has(r.status)) ? 3000 : false),
  });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href="/projects/" className="text-sm text-blue-800 underline">
          ← Projects
        </Link>
        <h1 className="text-2xl font-semibold">{project.data?.name ?? "Project"} · runs</h1>
        {project.isError && <ErrorNote error={project.error} />}
        <nav aria-label="Project" className="flex flex-wrap gap-4 text-sm">
          <Link href={`/home/?project=${projectId}`} className="text-blue-800 underline">
            Overview: trends, failing and flaky tests, schedules
          </Link>
          <Link href={`/tests/?project=${projectId}`} className="text-blue-800 underline">
            Tests: history, flaky, quarantine, clusters, trends
          </Link>
          <Link href={`/cache/?project=${projectId}`} className="text-blue-800 underline">
            Element cache of this project
          </Link>
          <Link href={`/envvars/?project=${projectId}`} className="text-blue-800 underline">
            Environment variables
          </Link>
          <Link href={`/workflows/?project=${projectId}`} className="text-blue-800 underline">
            Repository and workflows
          </Link>
          <Link href={`/defects/?project=${projectId}`} className="text-blue-800 underline">
            Defects
          </Link>
          <Link href={`/milestones/?project=${projectId}`} className="text-blue-800 underline">
            Milestones
          </Link>
          <Link href={`/cases/?project=${projectId}`} className="text-blue-800 underline">
            Test cases and plans
          </Link>
        </nav>
      </div>
      {runs.data && !status && !trigger && !branch && (
        <Onboarding projectId={projectId} hasRuns={runs.data.total > 0} />
      )}
      <Card title="Start a run">
        <StartRunForm projectId={projectId} />
      </Card>
      <Card title="Runs">
        <div className="mb-4 flex flex-wrap gap-3" role="group" aria-label="Filters">
          <label className="flex flex-col text-sm">
            Status
            <select className="rounded border border-slate-400 bg-white px-2 py-1.5" value={status} onChange={(e) => setStatus(e.target.value as RunState | "")}>
              <option value="">any</option>
              {STATES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="flex flex-col text-sm">
            Trigger
            <select className="rounded border border-slate-400 bg-white px-2 py-1.5" value={trigger} onChange={(e) => setTrigger(e.target.value as Trigger | "")}>
              <option value="">any</option>
              {TRIGGERS.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <label className="flex flex-col text-sm">
            Branch
            <input className="rounded border border-slate-400 bg-white px-2 py-1.5" value={branch} onChange={(e) => setBranch(e.target.value)} />
          </label>
        </div>
        {runs.isPending && <Loading what="runs" />}
        {runs.isError && <ErrorNote error={runs.error} />}
        {runs.data?.items.length === 0 && <Empty>No runs match. Start one above.</Empty>}
        {!!runs.data?.items.length && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Runs of this project, newest first</caption>
              <thead className="border-b border-slate-300 text-slate-700">
                <tr>
                  <th className="py-2 pr-3">Run</th>
                  <th className="py-2 pr-3">Status</th>
                  <th className="py-2 pr-3">Trigger</th>
                  <th className="py-2 pr-3">Branch</th>
                  <th className="py-2 pr-3">Tests</th>
                  <th className="py-2 pr-3">Queued</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.items.map((run) => (
                  <tr key={run.id} className="border-b border-slate-100">
                    <td className="py-2 pr-3">
                      <Link className="font-mono text-blue-800 underline" href={`/runs/view/?id=${run.id}`}>
                        {run.id.slice(0, 8)}
                      </Link>
                    </td>
                    <td className="py-2 pr-3">
                      <StatusBadge status={run.status} />
                    </td>
                    <td className="py-2 pr-3">{run.trigger}</td>
                    <td className="py-2 pr-3">{run.branch ?? "default"}</td>
                    <td className="py-2 pr-3">{counts(run)}</td>
                    <td className="py-2 pr-3">{new Date(run.queued_at).toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="mt-2 text-sm text-slate-600">{runs.data.total} runs in all.</p>
          </div>
        )}
      </Card>
    </div>
  );
}

export default withSuspense(RunsPage);
