"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api, type OrgOut } from "@/api/client";
import { RunTrend } from "@/components/RunTrend";
import { Button, Card, Empty, ErrorNote, Field, Loading } from "@/components/ui";
import { ApiError, unwrap } from "@/lib/errors";
import { useRequireAuth } from "@/lib/useRequireAuth";
import { keys, queries } from "@/api/queries";

function NewProjectForm({ org }: { org: OrgOut }) {
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: async (body: { name: string; repository: string; default_branch: string | null }) =>
      unwrap(await api.POST("/api/orgs/{org_id}/projects", { params: { path: { org_id: org.id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.orgProjects(org.id) }),
  });
  const fields = create.error instanceof ApiError ? create.error.fields : {};
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      name: String(form.get("name")),
      repository: String(form.get("repository")),
      default_branch: String(form.get("default_branch")) || null,
    });
  }
  return (
    <form onSubmit={submit} className="mt-4 grid gap-3 sm:grid-cols-2" aria-label={`New project in ${org.name}`}>
      <Field label="Project name" name="name" required error={fields.name} />
      <Field
        label="Repository"
        name="repository"
        required
        hint="A git URL, or a folder on this machine when TestAble runs locally."
        error={fields.repository}
      />
      <Field label="Default branch (optional)" name="default_branch" error={fields.default_branch} />
      <div className="flex items-end">
        <Button busy={create.isPending}>Create project</Button>
      </div>
      {Object.keys(fields).length === 0 && (
        <div className="sm:col-span-2">
          <ErrorNote error={create.error} />
        </div>
      )}
    </form>
  );
}

function OrgProjects({ org }: { org: OrgOut }) {
  const projects = useQuery({
    ...queries.orgProjects(org.id),
  });
  return (
    <Card title={org.name}>
      <p className="-mt-3 mb-3 text-sm text-slate-600">
        Your role: {org.role} ·{" "}
        <Link href={`/members/?org=${org.id}`} className="text-blue-800 underline">
          Members
        </Link>
      </p>
      {projects.isPending && <Loading what="projects" />}
      {projects.isError && <ErrorNote error={projects.error} />}
      {projects.data?.length === 0 && <Empty>No projects yet. Create the first one below.</Empty>}
      <ul className="divide-y divide-slate-200">
        {projects.data?.map((project) => (
          <li key={project.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 py-2">
            <Link href={`/runs/?project=${project.id}`} className="font-medium text-blue-800 underline">
              {project.name}
            </Link>
            <span className="break-all text-sm text-slate-600">{project.repository}</span>
            <RunTrend projectId={project.id} />
            <Link href={`/home/?project=${project.id}`} className="ml-auto text-sm text-blue-800 underline">
              Overview<span className="sr-only"> of {project.name}</span>
            </Link>
            <Link href={`/cache/?project=${project.id}`} className="text-sm text-blue-800 underline">
              Element cache
            </Link>
          </li>
        ))}
      </ul>
      {org.role !== "viewer" && <NewProjectForm org={org} />}
    </Card>
  );
}

export default function ProjectsPage() {
  const ready = useRequireAuth();
  const queryClient = useQueryClient();
  const [showNewOrg, setShowNewOrg] = useState(false);
  const orgs = useQuery({
    ...queries.orgs(),
    enabled: ready,
  });
  const createOrg = useMutation({
    mutationFn: async (name: string) => unwrap(await api.POST("/api/orgs", { body: { name } })),
    onSuccess: () => {
      setShowNewOrg(false);
      return queryClient.invalidateQueries({ queryKey: keys.orgs() });
    },
  });
  if (!ready) return <Loading what="your account" />;
  const fields = createOrg.error instanceof ApiError ? createOrg.error.fields : {};
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center gap-4">
        <h1 className="text-2xl font-semibold">Projects</h1>
        <Button type="button" variant="secondary" onClick={() => setShowNewOrg((v) => !v)} aria-expanded={showNewOrg}>
          New organisation
        </Button>
      </div>
      {showNewOrg && (
        <form
          className="flex flex-wrap items-end gap-3"
          onSubmit={(event) => {
            event.preventDefault();
            createOrg.mutate(String(new FormData(event.currentTarget).get("name")));
          }}
        >
          <Field label="Organisation name" name="name" required error={fields.name} />
          <Button busy={createOrg.isPending}>Create organisation</Button>
          {!fields.name && <ErrorNote error={createOrg.error} />}
        </form>
      )}
      {orgs.isPending && <Loading what="organisations" />}
      {orgs.isError && <ErrorNote error={orgs.error} />}
      {orgs.data?.map((org) => <OrgProjects key={org.id} org={org} />)}
    </div>
  );
}
