"use client";
// Connect a project's repository: a folder on this machine (embedded mode) or GitHub.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, type Schemas } from "@/api/client";
import { keys } from "@/api/queries";
import { Button, ErrorNote, Field } from "@/components/ui";
import { ApiError, unwrap } from "@/lib/errors";

export function ConnectRepository({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient();
  const [provider, setProvider] = useState<"local" | "github">("local");
  const connect = useMutation({
    mutationFn: async (body: Schemas["RepositoryConnect"]) =>
      unwrap(await api.POST("/api/projects/{project_id}/repository", { params: { path: { project_id: projectId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.projectRepository(projectId) }),
  });
  const fields = connect.error instanceof ApiError ? connect.error.fields : {};
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim() || null;
    connect.mutate(
      provider === "local"
        ? { provider, path: text("path"), default_branch: text("default_branch") }
        : { provider, full_name: text("full_name"), token: text("token"), default_branch: text("default_branch") },
    );
  }
  return (
    <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2" aria-label="Connect a repository">
      <label className="flex flex-col gap-1 text-sm font-medium">
        Where the repository is
        <select
          className="rounded border border-slate-400 bg-white px-2 py-2"
          value={provider}
          onChange={(e) => setProvider(e.target.value as "local" | "github")}
        >
          <option value="local">A folder on this machine</option>
          <option value="github">GitHub (personal access token)</option>
        </select>
      </label>
      {provider === "local" ? (
        <Field label="Path" name="path" hint="An absolute path or file:// URL of a git repository." error={fields.path} />
      ) : (
        <>
          <Field label="Repository (owner/name)" name="full_name" error={fields.full_name} />
          <Field label="Personal access token" name="token" type="password" autoComplete="off" error={fields.token} />
        </>
      )}
      <Field label="Default branch (optional)" name="default_branch" error={fields.default_branch} />
      <div className="flex items-end">
        <Button busy={connect.isPending}>Connect</Button>
      </div>
      {Object.keys(fields).length === 0 && (
        <div className="sm:col-span-2">
          <ErrorNote error={connect.error} />
        </div>
      )}
    </form>
  );
}

