"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useState, type FormEvent, type ReactNode } from "react";
import { api, type Schemas } from "@/api/client";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading, Notice } from "@/components/ui";
import { ApiError, unwrap, type FieldErrors } from "@/lib/errors";
import { getPath, setPath, splitList, type Json } from "@/lib/paths";
import { isSaved, publicSettings, secretPart, secretsOf, withSecret, withoutSecret } from "@/lib/destinationSecrets";
import { SchedulePreview, VersionHistory } from "@/components/WorkflowHistory";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

type Workflow = Schemas["WorkflowOut"];

function errorFor(fields: FieldErrors, path: string): string | undefined {
  return fields[`config.${path}`] ?? fields[path];
}

function ConnectRepository({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient();
  const [provider, setProvider] = useState<"local" | "github">("local");
  const connect = useMutation({
    mutationFn: async (body: Schemas["RepositoryConnect"]) =>
      unwrap(await api.POST("/api/projects/{project_id}/repository", { params: { path: { project_id: projectId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["repository", projectId] }),
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

function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="flex items-center gap-2 text-sm">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}

function ListField({
  label,
  value,
  onChange,
  error,
  hint,
}: {
  label: string;
  value: string[];
  onChange: (v: string[]) => void;
  error?: string;
  hint?: string;
}) {
  const [text, setText] = useState(value.join(", "));
  return <Field label={label} value={text} hint={hint} error={error} onChange={(e) => setText(e.target.value)} onBlur={() => onChange(splitList(text))} />;
}

function Fieldset({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <fieldset className="grid gap-3 rounded border border-slate-200 p-3 sm:grid-cols-2">
      <legend className="px-1 font-semibold">{legend}</legend>
      {children}
    </fieldset>
  );
}

/** A secret setting: "saved" with a Replace button once stored, never its value. */
function SecretSetting({
  label,
  saved,
  error,
  onChange,
  onRemove,
}: {
  label: string;
  saved: boolean;
  error?: string;
  onChange: (text: string) => void;
  onRemove: () => void;
}) {
  const [replacing, setReplacing] = useState(false);
  if (saved && !replacing) {
    return (
      <div className="flex flex-wrap items-center gap-2 text-sm sm:col-span-3" data-testid="secret-setting">
        <span className="font-medium">{label}:</span>
        <span className="rounded bg-green-100 px-2 py-0.5 text-xs font-semibold text-green-900">saved</span>
        <Button type="button" variant="secondary" onClick={() => setReplacing(true)}>
          Replace {label}
        </Button>
        <Button type="button" variant="secondary" onClick={onRemove}>
          Remove {label}
        </Button>
        {error && <p className="w-full text-sm text-red-700">{error}</p>}
      </div>
    );
  }
  return (
    <div className="sm:col-span-3">
      <Field
        label={label}
        type="password"
        autoComplete="off"
        hint={saved ? "Leave empty to keep the saved value." : "Stored encrypted; never shown again."}
        error={error}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

function DestinationsEditor({
  value,
  onChange,
  fields,
}: {
  value: { type: string; settings: Json }[];
  onChange: (v: { type: string; settings: Json }[]) => void;
  fields: FieldErrors;
}) {
  const id = useId();
  const [drafts, setDrafts] = useState(value.map((d) => JSON.stringify(publicSettings(d.type, d.settings), null, 2)));
  const [parseErrors, setParseErrors] = useState<Record<number, string>>({});
  return (
    <div className="flex flex-col gap-3 sm:col-span-2">
      {value.map((destination, i) => {
        const error =
          parseErrors[i] ??
          Object.entries(fields).find(([f]) => f.startsWith(`config.reporting.destinations[${i}]`))?.[1];
        return (
          <div key={i} className="grid gap-2 rounded border border-slate-200 p-2 sm:grid-cols-3">
            <Field
              label={`Destination ${i + 1} type`}
              value={destination.type}
              onChange={(e) => onChange(value.map((d, j) => (j === i ? { ...d, type: e.target.value } : d)))}
              hint="github_checks, pr_comment, slack, notion, email"
            />
            <label className="flex flex-col gap-1 text-sm font-medium sm:col-span-2" htmlFor={`${id}-${i}`}>
              {secretsOf(destination.type).length ? "Other settings (JSON)" : "Settings (JSON)"}
              <textarea
                id={`${id}-${i}`}
                className="h-24 rounded border border-slate-400 p-2 font-mono text-xs"
                value={drafts[i] ?? "{}"}
                aria-invalid={error ? true : undefined}
                onChange={(e) => setDrafts(drafts.map((d, j) => (j === i ? e.target.value : d)))}
                onBlur={() => {
                  try {
                    const parsed = JSON.parse(drafts[i] ?? "{}") as Json;
                    // Secrets live in their own inputs below; a secret typed into the
                    // JSON instead still counts (the api encrypts it either way).
                    const settings = { ...secretPart(destination.type, destination.settings), ...parsed };
                    setParseErrors({ ...parseErrors, [i]: undefined as unknown as string });
                    onChange(value.map((d, j) => (j === i ? { ...d, settings } : d)));
                  } catch {
                    setParseErrors({ ...parseErrors, [i]: "This is not valid JSON." });
                  }
                }}
              />
            </label>
            {secretsOf(destination.type).map((field) => (
              <SecretSetting
                key={field}
                label={`Destination ${i + 1} ${field.replace("_", " ")}`}
                saved={isSaved(destination.settings, field)}
                error={fields[`config.reporting.destinations[${i}].settings.${field}`]}
                onChange={(text) =>
                  onChange(value.map((d, j) => (j === i ? { ...d, settings: withSecret(d.settings, field, text) } : d)))
                }
                onRemove={() =>
                  onChange(value.map((d, j) => (j === i ? { ...d, settings: withoutSecret(d.settings, field) } : d)))
                }
              />
            ))}
            {error && <p className="text-sm text-red-700 sm:col-span-3">{error}</p>}
            <div className="sm:col-span-3">
              <Button
                type="button"
                variant="secondary"
                onClick={() => {
                  onChange(value.filter((_, j) => j !== i));
                  setDrafts(drafts.filter((_, j) => j !== i));
                }}
              >
                Remove destination {i + 1}
              </Button>
            </div>
          </div>
        );
      })}
      <div>
        <Button
          type="button"
          variant="secondary"
          onClick={() => {
            onChange([...value, { type: "slack", settings: {} }]);
            setDrafts([...drafts, "{}"]);
          }}
        >
          Add a destination
        </Button>
      </div>
    </div>
  );
}

function WorkflowEditor({ workflow }: { workflow: Workflow }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const [config, setConfig] = useState<Json>(workflow.config as Json);
  const [enabled, setEnabled] = useState(workflow.enabled);
  useEffect(() => {
    setConfig(workflow.config as Json);
    setEnabled(workflow.enabled);
  }, [workflow]);
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH("/api/workflows/{workflow_id}", {
          params: { path: { workflow_id: workflow.id } },
          body: { config, enabled },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workflows"] }),
  });
  const runNow = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/workflows/{workflow_id}/runs", { params: { path: { workflow_id: workflow.id } }, body: {} })),
    onSuccess: (run) => router.push(`/runs/view/?id=${run.id}`),
  });
  const fields = save.error instanceof ApiError ? save.error.fields : {};
  const bool = (path: string) => Boolean(getPath(config, path));
  const str = (path: string) => {
    const v = getPath(config, path);
    return v === null || v === undefined ? "" : String(v);
  };
  const list = (path: string) => (getPath(config, path) as string[] | undefined) ?? [];
  const set = (path: string, value: unknown) => setConfig((c) => setPath(c, path, value));
  const schedule = getPath(config, "triggers.schedule") as Json | null | undefined;

  return (
    <form
      className="flex flex-col gap-4"
      aria-label={`Workflow ${workflow.name}`}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Check label="Enabled" checked={enabled} onChange={setEnabled} />
      <Fieldset legend="Triggers">
        <Check label="Pushes" checked={bool("triggers.push")} onChange={(v) => set("triggers.push", v)} />
        <Check label="Pull requests" checked={bool("triggers.pull_request")} onChange={(v) => set("triggers.pull_request", v)} />
        <Check label="Draft pull requests too" checked={bool("triggers.include_drafts")} onChange={(v) => set("triggers.include_drafts", v)} />
        <Check label="Manual runs" checked={bool("triggers.manual")} onChange={(v) => set("triggers.manual", v)} />
        <Check
          label="On a schedule"
          checked={!!schedule}
          onChange={(v) => set("triggers.schedule", v ? { cron: "0 6 * * *", timezone: "UTC" } : null)}
        />
        {schedule && (
          <>
            <Field
              label="Cron (minute hour day month weekday)"
              value={str("triggers.schedule.cron")}
              onChange={(e) => set("triggers.schedule.cron", e.target.value)}
              error={errorFor(fields, "triggers.schedule.cron")}
            />
            <Field
              label="Time zone"
              value={str("triggers.schedule.timezone")}
              onChange={(e) => set("triggers.schedule.timezone", e.target.value)}
              error={errorFor(fields, "triggers.schedule.timezone")}
            />
          </>
        )}
        <ListField
          label="Required pull-request labels"
          value={list("triggers.required_labels")}
          onChange={(v) => set("triggers.required_labels", v)}
          error={errorFor(fields, "triggers.required_labels")}
        />
      </Fieldset>
      <Fieldset legend="Branches">
        <label className="flex flex-col gap-1 text-sm font-medium">
          Which branches
          <select
            className="rounded border border-slate-400 bg-white px-2 py-2"
            value={str("branches.strategy")}
            onChange={(e) => set("branches.strategy", e.target.value)}
          >
            <option value="all">all</option>
            <option value="list">the list below</option>
            <option value="protected">protected branches</option>
          </select>
        </label>
        <span />
        <ListField
          label="Include"
          hint='Globs like release/*, or "re:" and a regular expression'
          value={list("branches.include")}
          onChange={(v) => set("branches.include", v)}
          error={errorFor(fields, "branches.include") ?? Object.entries(fields).find(([f]) => f.startsWith("config.branches.include["))?.[1]}
        />
        <ListField
          label="Exclude"
          value={list("branches.exclude")}
          onChange={(v) => set("branches.exclude", v)}
          error={errorFor(fields, "branches.exclude") ?? Object.entries(fields).find(([f]) => f.startsWith("config.branches.exclude["))?.[1]}
        />
      </Fieldset>
      <Fieldset legend="Reporting">
        <DestinationsEditor
          key={workflow.version}
          value={(getPath(config, "reporting.destinations") as { type: string; settings: Json }[] | undefined) ?? []}
          onChange={(v) => set("reporting.destinations", v)}
          fields={fields}
        />
      </Fieldset>
      <Fieldset legend="Environment">
        <Field label="Environment name" value={str("environment.name")} onChange={(e) => set("environment.name", e.target.value)} error={errorFor(fields, "environment.name")} />
        <ListField
          label="Required variables"
          value={list("environment.required")}
          onChange={(v) => set("environment.required", v)}
          error={errorFor(fields, "environment.required") ?? Object.entries(fields).find(([f]) => f.startsWith("config.environment.required["))?.[1]}
        />
      </Fieldset>
      <Fieldset legend="Execution">
        <Field
          label="Time limit (seconds)"
          type="number"
          value={str("execution.timeout")}
          onChange={(e) => set("execution.timeout", e.target.value === "" ? null : Number(e.target.value))}
          error={errorFor(fields, "execution.timeout")}
        />
        <Field
          label="Retries of failed tests"
          type="number"
          value={str("execution.retries")}
          onChange={(e) => set("execution.retries", Number(e.target.value))}
          error={errorFor(fields, "execution.retries")}
        />
        <Check label="Run tests in parallel" checked={bool("execution.parallel")} onChange={(v) => set("execution.parallel", v)} />
        <Field
          label="Parallel workers"
          type="number"
          value={str("execution.max_workers")}
          onChange={(e) => set("execution.max_workers", Number(e.target.value))}
          error={errorFor(fields, "execution.max_workers")}
        />
        <Field label="Test path" value={str("execution.test_path")} onChange={(e) => set("execution.test_path", e.target.value || null)} error={errorFor(fields, "execution.test_path")} />
        <Field label="Markers (-m)" value={str("execution.markers")} onChange={(e) => set("execution.markers", e.target.value || null)} error={errorFor(fields, "execution.markers")} />
        <Field label="Keyword (-k)" value={str("execution.keyword")} onChange={(e) => set("execution.keyword", e.target.value || null)} error={errorFor(fields, "execution.keyword")} />
        <Check label="Use the element cache" checked={bool("execution.cache")} onChange={(v) => set("execution.cache", v)} />
      </Fieldset>
      {save.isError && Object.keys(fields).length > 0 && (
        <p role="alert" className="text-red-800">
          Some settings need fixing: see the messages under the fields.
        </p>
      )}
      {Object.keys(fields).length === 0 && <ErrorNote error={save.error ?? runNow.error} />}
      {save.isSuccess && <Notice>Saved as version {save.data.version}.</Notice>}
      <div className="flex flex-wrap gap-2">
        <Button busy={save.isPending}>Save workflow</Button>
        <Button type="button" variant="secondary" busy={runNow.isPending} onClick={() => runNow.mutate()}>
          Run now
        </Button>
      </div>
    </form>
  );
}

function WorkflowsPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project") ?? "";
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<string | null>(null);
  const repository = useQuery({
    queryKey: ["repository", projectId],
    queryFn: async () => {
      const result = await api.GET("/api/projects/{project_id}/repository", { params: { path: { project_id: projectId } } });
      if (result.response.status === 404) return null; // not connected yet
      return unwrap(result);
    },
    enabled: ready && !!projectId,
  });
  const repositoryId = repository.data?.id ?? "";
  const workflows = useQuery({
    queryKey: ["workflows", repositoryId],
    queryFn: async () =>
      unwrap(await api.GET("/api/repositories/{repository_id}/workflows", { params: { path: { repository_id: repositoryId } } })),
    enabled: !!repositoryId,
  });
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
      return queryClient.invalidateQueries({ queryKey: ["workflows"] });
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
          <p className="break-all">
            <strong>{repository.data.full_name ?? repository.data.clone_url}</strong> ({repository.data.provider}
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
          {chosen && <WorkflowEditor key={chosen.id} workflow={chosen} />}
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
