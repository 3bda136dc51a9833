"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, type Schemas } from "@/api/client";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading, Notice } from "@/components/ui";
import { authFetch } from "@/lib/authFetch";
import { ApiError, unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { keys, queries } from "@/api/queries";

type ImportResult = Schemas["ImportResult"];
type Tab = "paste" | "upload" | "github";

function Preview({ result }: { result: ImportResult }) {
  return (
    <div className="flex flex-col gap-2 text-sm" aria-live="polite">
      {result.problems.length > 0 && (
        <ul className="rounded border border-amber-300 bg-amber-50 p-2" aria-label="Problems">
          {result.problems.map((p, i) => (
            <li key={i} className={p.severity === "error" ? "text-red-800" : "text-amber-900"}>
              Line {p.line}: {p.message}
            </li>
          ))}
        </ul>
      )}
      <ul>
        {result.variables.map((v) => (
          <li key={v.key}>
            <span className="font-mono">{v.key}</span> — {v.action}
            {v.secret && " (secret)"}
            {v.line !== null && <span className="text-slate-600"> · line {v.line}</span>}
          </li>
        ))}
      </ul>
      <p className="text-slate-700">
        {result.dry_run ? "Would create" : "Created"} {result.created}, update {result.updated}, {result.unchanged}{" "}
        unchanged, {result.skipped} skipped.
      </p>
    </div>
  );
}

function ImportDialog({ projectId, onClose }: { projectId: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const queryClient = useQueryClient();
  const [tab, setTab] = useState<Tab>("paste");
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  useEffect(() => {
    dialog.current?.showModal(); // a real modal: focus trapped, Escape closes
  }, []);
  const run = useMutation({
    mutationFn: async (dryRun: boolean): Promise<ImportResult> => {
      if (tab === "upload") {
        if (!file) throw new ApiError("Choose a .env file first.", "no_file", 0);
        const form = new FormData();
        form.set("file", file);
        form.set("dry_run", String(dryRun));
        return authFetch<ImportResult>(`/api/projects/${projectId}/envvars/import-file`, { method: "POST", body: form });
      }
      const body =
        tab === "paste"
          ? { text, dry_run: dryRun }
          : { variables: Object.fromEntries(Object.entries(values).filter(([, v]) => v !== "")), dry_run: dryRun };
      return unwrap(await api.POST("/api/projects/{project_id}/envvars/import", { params: { path: { project_id: projectId } }, body }));
    },
    onSuccess: (result) => {
      if (!result.dry_run) void queryClient.invalidateQueries({ queryKey: keys.projectEnvvars(projectId ?? "") });
    },
  });
  const github = useQuery({
    ...queries.projectGithubSecrets(projectId),
    enabled: tab === "github",
  });
  const tabs: [Tab, string][] = [
    ["paste", "Paste .env"],
    ["upload", "Upload a file"],
    ["github", "GitHub secret names"],
  ];
  return (
    <dialog ref={dialog} onClose={onClose} aria-labelledby="import-title" className="m-auto w-full max-w-2xl rounded-lg p-6 backdrop:bg-slate-900/50">
      <h2 id="import-title" className="mb-4 text-lg font-semibold">
        Import environment variables
      </h2>
      <div role="tablist" aria-label="How to import" className="mb-4 flex flex-wrap gap-2">
        {tabs.map(([id, label]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            className={`rounded px-3 py-1.5 ${tab === id ? "bg-blue-700 text-white" : "border border-slate-400"}`}
            onClick={() => {
              setTab(id);
              run.reset();
            }}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" className="flex flex-col gap-3">
        {tab === "paste" && (
          <label className="flex flex-col gap-1 text-sm font-medium">
            .env contents
            <textarea
              className="h-40 rounded border border-slate-400 p-2 font-mono text-sm"
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={"BASE_URL=https://staging.example.com\nAPI_TOKEN=…"}
            />
          </label>
        )}
        {tab === "upload" && (
          <label className="flex flex-col gap-1 text-sm font-medium">
            .env file
            <input type="file" accept=".env,text/plain" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          </label>
        )}
        {tab === "github" && (
          <>
            {github.isPending && <Loading what="the repository's secret names" />}
            {github.isError && <ErrorNote error={github.error} />}
            {github.data?.names.length === 0 && <Empty>The repository has no Actions secrets.</Empty>}
            <p className="text-sm text-slate-700">
              GitHub never reveals secret values: enter the ones this project needs.
            </p>
            {github.data?.names.map((n) => (
              <Field
                key={n.name}
                label={n.name + (n.exists ? " (already set)" : "")}
                type="password"
                autoComplete="off"
                value={values[n.name] ?? ""}
                onChange={(e) => setValues({ ...values, [n.name]: e.target.value })}
              />
            ))}
          </>
        )}
        <ErrorNote error={run.error} />
        {run.data && <Preview result={run.data} />}
        {run.data && !run.data.dry_run && <Notice>Imported.</Notice>}
        <div className="flex flex-wrap gap-2">
          <Button type="button" variant="secondary" busy={run.isPending} onClick={() => run.mutate(true)}>
            Preview
          </Button>
          <Button type="button" busy={run.isPending} onClick={() => run.mutate(false)}>
            Import
          </Button>
          <Button type="button" variant="secondary" onClick={() => dialog.current?.close()}>
            Close
          </Button>
        </div>
      </div>
    </dialog>
  );
}

function EnvVarsPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project") ?? "";
  const queryClient = useQueryClient();
  const [importing, setImporting] = useState(false);
  const variables = useQuery({
    ...queries.projectEnvvars(projectId ?? ""),
    enabled: ready && !!projectId,
  });
  const add = useMutation({
    mutationFn: async (body: { key: string; value: string; secret: boolean | null }) =>
      unwrap(await api.POST("/api/projects/{project_id}/envvars", { params: { path: { project_id: projectId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.projectEnvvars(projectId ?? "") }),
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(
        await api.DELETE("/api/projects/{project_id}/envvars/{variable_id}", {
          params: { path: { project_id: projectId, variable_id: id } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.projectEnvvars(projectId ?? "") }),
  });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen." />;
  const fields = add.error instanceof ApiError ? add.error.fields : {};
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    add.mutate({
      key: String(form.get("key")),
      value: String(form.get("value")),
      secret: form.get("secret") === "on" ? true : null,
    });
  }
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/runs/?project=${projectId}`} className="text-sm text-blue-800 underline">
          ← Runs
        </Link>
        <h1 className="text-2xl font-semibold">Environment variables</h1>
        <p className="text-sm text-slate-700">Encrypted at rest; secret values are never shown again after saving.</p>
      </div>
      <Card title="Variables">
        <div className="mb-4">
          <Button type="button" variant="secondary" onClick={() => setImporting(true)}>
            Import…
          </Button>
        </div>
        {variables.isPending && <Loading what="variables" />}
        {variables.isError && <ErrorNote error={variables.error} />}
        {variables.data?.length === 0 && <Empty>No variables yet.</Empty>}
        <ErrorNote error={remove.error} />
        <ul className="divide-y divide-slate-200">
          {variables.data?.map((v) => (
            <li key={v.id} className="flex flex-wrap items-center gap-3 py-2 text-sm" data-testid="envvar">
              <span className="font-mono font-medium">{v.key}</span>
              <span className="break-all font-mono text-slate-700">{v.secret ? "••••••••" : v.value}</span>
              <span className="text-slate-600">{v.environment}</span>
              <span className="ml-auto">
                <Button type="button" variant="secondary" onClick={() => remove.mutate(v.id)}>
                  Delete {v.key}
                </Button>
              </span>
            </li>
          ))}
        </ul>
        <form onSubmit={submit} className="mt-4 grid gap-3 sm:grid-cols-4" aria-label="Add a variable">
          <Field label="Name" name="key" required error={fields.key} />
          <Field label="Value" name="value" type="password" autoComplete="off" error={fields.value} />
          <label className="flex items-end gap-2 pb-2 text-sm">
            <input type="checkbox" name="secret" /> Secret
          </label>
          <div className="flex items-end">
            <Button busy={add.isPending}>Add variable</Button>
          </div>
          {Object.keys(fields).length === 0 && (
            <div className="sm:col-span-4">
              <ErrorNote error={add.error} />
            </div>
          )}
        </form>
      </Card>
      {importing && <ImportDialog projectId={projectId} onClose={() => setImporting(false)} />}
    </div>
  );
}

export default withSuspense(EnvVarsPage);
