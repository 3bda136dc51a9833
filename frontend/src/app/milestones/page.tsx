"use client";
// A project's milestones (sprints, releases): open ones first, and a new one.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api } from "@/api/client";
import { queries } from "@/api/queries";
import { qaKeys, qaQueries } from "@/api/queries/qa";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading, StatusBadge } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

function NewMilestone({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [goal, setGoal] = useState("");
  const [start, setStart] = useState("");
  const [due, setDue] = useState("");
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/projects/{project_id}/milestones", {
          params: { path: { project_id: projectId } },
          body: { name, goal, start_date: start || null, due_date: due || null },
        }),
      ),
    onSuccess: () => {
      setName("");
      setGoal("");
      void queryClient.invalidateQueries({ queryKey: qaKeys.projectMilestones(projectId) });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} className="flex flex-col gap-3" aria-label="New milestone">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        <Field label="Goal" value={goal} onChange={(e) => setGoal(e.target.value)} />
        <Field label="Start" type="date" value={start} onChange={(e) => setStart(e.target.value)} />
        <Field label="Due" type="date" value={due} onChange={(e) => setDue(e.target.value)} />
      </div>
      <div>
        <Button busy={create.isPending}>Create milestone</Button>
      </div>
      {create.isError && <ErrorNote error={create.error} />}
    </form>
  );
}

function MilestonesPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const project = useQuery({ ...queries.project(projectId ?? ""), enabled: ready && !!projectId });
  const milestones = useQuery({ ...qaQueries.projectMilestones(projectId ?? ""), enabled: ready && !!projectId });
  const trend = useQuery({ ...qaQueries.projectMilestonesTrend(projectId ?? ""), enabled: ready && !!projectId });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/runs/?project=${projectId}`} className="text-sm text-blue-800 underline">
          ← Runs
        </Link>
        <h1 className="text-2xl font-semibold">{project.data?.name ?? "Project"} · milestones</h1>
        <Link href={`/defects/?project=${projectId}`} className="text-sm text-blue-800 underline">
          Defects
        </Link>
      </div>
      <Card title="Milestones">
        {milestones.isPending && <Loading what="milestones" />}
        {milestones.isError && <ErrorNote error={milestones.error} />}
        {milestones.data?.length === 0 && <Empty>No milestone yet. Create one below.</Empty>}
        {!!milestones.data?.length && (
          <ul className="flex flex-col gap-2">
            {milestones.data.map((m) => (
              <li key={m.id} className="flex flex-wrap items-center gap-3 border-t border-slate-100 pt-2" data-testid="milestone-row">
                <Link href={`/milestones/view/?id=${m.id}`} className="font-medium text-blue-800 underline">
                  {m.name}
                </Link>
                <StatusBadge status={m.status} />
                <span className="text-sm text-slate-700">
                  {m.start_date ?? "…"} → {m.due_date ?? "…"}
                </span>
                {m.goal && <span className="text-sm text-slate-700">{m.goal}</span>}
              </li>
            ))}
          </ul>
        )}
      </Card>
      {!!trend.data?.length && (
        <Card title="Trend across milestones">
          <table className="w-full text-left text-sm" data-testid="milestones-trend">
            <thead className="text-slate-700">
              <tr>
                <th className="pr-3">Milestone</th>
                <th className="pr-3">Executed / planned</th>
                <th className="pr-3">Pass rate</th>
                <th className="pr-3">Automated</th>
                <th className="pr-3">Defects</th>
              </tr>
            </thead>
            <tbody>
              {trend.data.map((p) => (
                <tr key={p.milestone_id} className="border-t border-slate-100">
                  <td className="pr-3">{p.name}</td>
                  <td className="pr-3">
                    {p.executed} / {p.planned}
                  </td>
                  <td className="pr-3">{p.pass_rate === null ? "–" : `${Math.round(p.pass_rate * 100)} %`}</td>
                  <td className="pr-3">{p.automated_share === null ? "–" : `${Math.round(p.automated_share * 100)} %`}</td>
                  <td className="pr-3">{p.defects}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
      <Card title="New milestone">
        <NewMilestone projectId={projectId} />
      </Card>
    </div>
  );
}

export default withSuspense(MilestonesPage);
