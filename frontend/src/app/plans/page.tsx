"use client";
// A project's test plans (cases chosen by suite and tags, for a milestone) and their runs
// with progress; starting a run snapshots the plan's cases.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { api } from "@/api/client";
import { queries } from "@/api/queries";
import { caseKeys, caseQueries } from "@/api/queries/cases";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

function NewPlan({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient();
  const suites = useQuery(caseQueries.suites(projectId));
  const [name, setName] = useState("");
  const [suiteIds, setSuiteIds] = useState<string[]>([]);
  const [tags, setTags] = useState("");
  const [milestone, setMilestone] = useState("");
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/projects/{project_id}/plans", {
          params: { path: { project_id: projectId } },
          body: {
            name,
            milestone_id: milestone || null,
            selection: {
              suite_ids: suiteIds,
              tags: tags
                .split(",")
                .map((t) => t.trim())
                .filter(Boolean),
            },
          },
        }),
      ),
    onSuccess: () => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: caseKeys.plans(projectId) });
    },
  });
  return (
    <form
      aria-label="New plan"
      className="flex flex-col gap-3"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <Field label="Plan name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      <fieldset className="text-sm">
        <legend className="font-medium">Suites</legend>
        {(suites.data ?? []).map((s) => (
          <label key={s.id} className="mr-4 inline-flex items-center gap-1">
            <input
              type="checkbox"
              checked={suiteIds.includes(s.id)}
              onChange={(e) => setSuiteIds(e.target.checked ? [...suiteIds, s.id] : suiteIds.filter((id) => id !== s.id))}
            />
            {s.name}
          </label>
        ))}
        {suites.data?.length === 0 && <span className="text-slate-600">No suites yet.</span>}
      </fieldset>
      <Field label="Tags (all of them, comma-separated)" value={tags} onChange={(e) => setTags(e.target.value)} />
      <Field label="Milestone id (optional)" value={milestone} onChange={(e) => setMilestone(e.target.value)} />
      <div>
        <Button busy={create.isPending}>Create plan</Button>
      </div>
      {create.isError && <ErrorNote error={create.error} />}
    </form>
  );
}

function PlanRow({ projectId, plan }: { projectId: string; plan: { id: string; name: string } }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const start = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/plans/{plan_id}/runs", { params: { path: { plan_id: plan.id } }, body: {} })),
    onSuccess: (run) => {
      void queryClient.invalidateQueries({ queryKey: caseKeys.planRuns(projectId) });
      router.push(`/plans/run/?id=${run.id}`);
    },
  });
  return (
    <li className="flex flex-wrap items-center gap-3">
      <span className="font-medium">{plan.name}</span>
      <Button type="button" variant="secondary" busy={start.isPending} onClick={() => start.mutate()}>
        Start a run
      </Button>
      {start.isError && <ErrorNote error={start.error} />}
    </li>
  );
}

function PlansPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const project = useQuery({ ...queries.project(projectId ?? ""), enabled: ready && !!projectId });
  const plans = useQuery({ ...caseQueries.plans(projectId ?? ""), enabled: ready && !!projectId });
  const runs = useQuery({ ...caseQueries.planRuns(projectId ?? ""), enabled: ready && !!projectId });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen." />;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/cases/?project=${projectId}`} className="text-sm text-blue-800 underline">
          ← Test cases
        </Link>
        <h1 className="text-2xl font-semibold">{project.data?.name ?? "Project"} · test plans</h1>
      </div>
      <Card title="Plans">
        {plans.isPending && <Loading what="plans" />}
        {plans.isError && <ErrorNote error={plans.error} />}
        {plans.data?.length === 0 && <Empty>No plan yet.</Empty>}
        <ul className="flex flex-col gap-2">
          {plans.data?.map((p) => <PlanRow key={p.id} projectId={projectId} plan={p} />)}
        </ul>
      </Card>
      <Card title="New plan">
        <NewPlan projectId={projectId} />
      </Card>
      <Card title="Plan runs">
        {runs.isPending && <Loading what="plan runs" />}
        {runs.isError && <ErrorNote error={runs.error} />}
        {runs.data?.length === 0 && <Empty>No plan run yet.</Empty>}
        {runs.data && runs.data.length > 0 && (
          <table className="w-full text-left text-sm">
            <thead>
              <tr className="border-b border-slate-200">
                <th>Run</th>
                <th>Status</th>
                <th>Executed</th>
                <th>Passed</th>
                <th>Failed</th>
                <th>Blocked</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.map((r) => (
                <tr key={r.id} className="border-b border-slate-100">
                  <td>
                    <Link className="text-blue-800 underline" href={`/plans/run/?id=${r.id}`}>
                      {r.name}
                    </Link>
                  </td>
                  <td>{r.status}</td>
                  <td>
                    {r.progress.executed ?? 0} / {r.progress.total ?? 0}
                  </td>
                  <td>{r.progress.passed ?? 0}</td>
                  <td>{r.progress.failed ?? 0}</td>
                  <td>{r.progress.blocked ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

export default withSuspense(PlansPage);
