"use client";
// A project's repository (connected, or the form to connect it) and its workflows.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { api } from "@/api/client";
import { keys, queries } from "@/api/queries";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading } from "@/components/ui";
import { ConnectRepository } from "@/components/workflows/ConnectRepository";
import { WorkflowEditor } from "@/components/workflows/WorkflowEditor";
import { SchedulePreview, VersionHistory } from "@/components/WorkflowHistory";
import { ApiError, unwrap } from "@/lib/errors";
import { getPath, type Json } from "@/lib/paths";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

function WorkflowsPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project") ?? "";
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<string | null>(null);
  const repository = useQuery({ ...queries.projectRepository(projectId), enabled: ready && !!projectId });
  const repositoryId = repository.data?.id ?? "";
  const workflows = useQuery({ ...queries.repositoryWorkflows(repositoryId), enabled: !!repositoryId });
  const create = useMutation({
    mutationFn: async (name: string) =>
      unwrap(
        await api.POST("/api/repositories/{repository_id}/workflows", {
          params: { path: { repository_id: repositoryId } },
          body: { name, config: {} },
        }),
      ),
    onSuccess: (workflow) => {
      setSelected(workflow.id);
      return queryClient.invalidateQueries({ queryKey: keys.repositoryWorkflows(repositoryId) });
    },
  });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen." />;
  const chosen = workflows.data?.find((w) => w.id === selected) ?? workflows.data?.[0] ?? null;
  const createFields = create.error instanceof ApiError ? create.error.fields : {};
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/runs/?project=${projectId}`} className="text-sm text-blue-800 underline">
          ← Runs
        </Link>
        <h1 className="text-2xl font-semibold">Repository and workflows</h1>
      </div>
      <Card title="Repository">
        {repository.isPending && <Loading what="the repository" />}
        {repository.isError && <ErrorNote error={repository.error} />}
        {repository.data === null && <ConnectRepository projectId={projectId} />}
        {repository.data && (
          <p className="break-all" data-testid="repository-connected">
            Connected: <strong>{repository.data.full_name ?? repository.data.clone_url}</strong> (
            {repository.data.provider === "local" ? "a folder on this machine" : repository.data.provider}
            {repository.data.default_branch ? `, default branch ${repository.data.default_branch}` : ""})
          </p>
        )}
      </Card>
      {repository.data && (
        <Card title="Workflows">
          <div className="mb-4 flex flex-wrap items-end gap-3">
            {workflows.data?.map((w) => (
              <Button key={w.id} type="button" variant={chosen?.id === w.id ? "primary" : "secondary"} aria-pressed={chosen?.id === w.id} onClick={() => setSelected(w.id)}>
                {w.name}
              </Button>
            ))}
            <form
              className="flex flex-wrap items-end gap-2"
              onSubmit={(e) => {
                e.preventDefault();
                create.mutate(String(new FormData(e.currentTarget).get("name")));
                e.currentTarget.reset();
              }}
            >
              <Field label="New workflow name" name="name" required error={createFields.name} />
              <Button busy={create.isPending}>Add workflow</Button>
            </form>
          </div>
          {Object.keys(createFields).length === 0 && <ErrorNote error={create.error} />}
          {workflows.isPending && <Loading what="workflows" />}
          {workflows.data?.length === 0 && <Empty>No workflow yet: add one to choose what runs when.</Empty>}
          {chosen && <WorkflowEditor key={chosen.id} workflow={chosen} local={repository.data.provider === "local"} />}
          {chosen && (
            <div className="mt-6 grid gap-6 lg:grid-cols-2">
              <section aria-labelledby="schedule-heading" className="min-w-0">
                <h3 id="schedule-heading" className="mb-2 font-semibold">
                  Next scheduled runs
                </h3>
                {getPath(chosen.config as Json, "triggers.schedule") ? (
                  <SchedulePreview workflowId={chosen.id} version={chosen.version} />
                ) : (
                  <Empty>No schedule saved: turn on &ldquo;On a schedule&rdquo; and save to see when it runs.</Empty>
                )}
              </section>
              <section aria-labelledby="history-heading" className="min-w-0">
                <h3 id="history-heading" className="mb-2 font-semibold">
                  Version history
                </h3>
                <VersionHistory workflowId={chosen.id} version={chosen.version} />
              </section>
            </div>
          )}
        </Card>
      )}
    </div>
  );
}

export default withSuspense(WorkflowsPage);
