"use client";
// One workflow's settings, saved whole (PATCH /api/workflows/{id}); 422 messages appear
// under the input for their path.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { api, type Schemas } from "@/api/client";
import { keys } from "@/api/queries";
import { Button, ErrorNote, Field, Notice } from "@/components/ui";
import { ApiError, unwrap } from "@/lib/errors";
import { getPath, setPath, type Json } from "@/lib/paths";
import { DestinationsEditor } from "./DestinationsEditor";
import { Check, errorFor, Fieldset, itemErrorFor, ListField } from "./FormParts";

type Workflow = Schemas["WorkflowOut"];

export function WorkflowEditor({ workflow, local }: { workflow: Workflow; local: boolean }) {
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
          // What the disabled boxes show is what is saved: off for a folder.
          body: { config: local ? setPath(setPath(config, "triggers.push", false), "triggers.pull_request", false) : config, enabled },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.repositoryWorkflows(workflow.repository_id) }),
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
        {local && (
          <p className="text-sm text-slate-700 sm:col-span-2" data-testid="local-triggers-note">
            This repository is a folder on this machine: it sends no push or pull-request events, so those
            triggers cannot fire here. Run it by hand, from <code>testable run</code>, or on a schedule.
          </p>
        )}
        <Check label="Pushes" checked={!local && bool("triggers.push")} disabled={local} onChange={(v) => set("triggers.push", v)} />
        <Check
          label="Pull requests"
          checked={!local && bool("triggers.pull_request")}
          disabled={local}
          onChange={(v) => set("triggers.pull_request", v)}
        />
        <Check
          label="Draft pull requests too"
          checked={!local && bool("triggers.include_drafts")}
          disabled={local}
          onChange={(v) => set("triggers.include_drafts", v)}
        />
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
          error={itemErrorFor(fields, "branches.include")}
        />
        <ListField
          label="Exclude"
          value={list("branches.exclude")}
          onChange={(v) => set("branches.exclude", v)}
          error={itemErrorFor(fields, "branches.exclude")}
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
          error={itemErrorFor(fields, "environment.required")}
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

