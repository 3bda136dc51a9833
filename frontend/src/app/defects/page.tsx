"use client";
// A project's defects: filters, a defect filed by hand, and where new defects go (the
// tracker setting, changed by admins).
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api } from "@/api/client";
import { queries } from "@/api/queries";
import { qaKeys, qaQueries } from "@/api/queries/qa";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading, StatusBadge } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

const SEVERITIES = ["critical", "major", "minor", "trivial"] as const;
type Severity = (typeof SEVERITIES)[number];
type Tracker = "auto" | "github" | "local";

function TrackerSetting({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient();
  const settings = useQuery(qaQueries.defectSettings(projectId));
  const save = useMutation({
    mutationFn: async (tracker: Tracker) =>
      unwrap(
        await api.PUT("/api/projects/{project_id}/defect-settings", {
          params: { path: { project_id: projectId } },
          body: { tracker, default_labels: settings.data?.default_labels ?? [] },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: qaKeys.defectSettings(projectId) }),
  });
  if (settings.isPending) return <Loading what="the tracker setting" />;
  if (settings.isError) return <ErrorNote error={settings.error} />;
  const s = settings.data;
  return (
    <div className="flex flex-col gap-2 text-sm">
      <p>
        {s.github_available
          ? `New defects can become GitHub issues in ${s.repository_full_name}.`
          : "The project's repository has no GitHub access: defects stay in TestAble."}
      </p>
      <label className="flex w-fit flex-col">
        Where new defects go (admins)
        <select
          className="rounded border border-slate-400 bg-white px-2 py-1.5"
          value={s.tracker}
          onChange={(e) => save.mutate(e.target.value as Tracker)}
        >
          <option value="auto">GitHub Issues when connected, else local</option>
          <option value="github">GitHub Issues only</option>
          <option value="local">TestAble only</option>
        </select>
      </label>
      {save.isError && <ErrorNote error={save.error} />}
    </div>
  );
}

function NewDefect({ projectId }: { projectId: string }) {
  const queryClient = useQueryClient();
  const [title, setTitle] = useState("");
  const [severity, setSeverity] = useState<Severity>("major");
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/projects/{project_id}/defects", {
          params: { path: { project_id: projectId } },
          body: { title, severity },
        }),
      ),
    onSuccess: () => {
      setTitle("");
      void queryClient.invalidateQueries({ queryKey: qaKeys.projectDefectsAll(projectId) });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-end gap-3" aria-label="New defect">
      <div className="min-w-64 flex-1">
        <Field label="Title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={256} />
      </div>
      <label className="flex flex-col text-sm">
        Severity
        <select className="rounded border border-slate-400 bg-white px-2 py-2" value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
          {SEVERITIES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <Button busy={create.isPending}>File defect</Button>
      {create.isError && <ErrorNote error={create.error} />}
      {create.data && (
        <p role="status" className="w-full text-sm">
          Filed{" "}
          <Link className="text-blue-800 underline" href={`/defects/view/?id=${create.data.id}`}>
            {create.data.key}
          </Link>
          .
        </p>
      )}
    </form>
  );
}

function DefectsPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const [status, setStatus] = useState<"open" | "closed" | "">("open");
  const [severity, setSeverity] = useState<Severity | "">("");
  const [test, setTest] = useState("");
  const project = useQuery({ ...queries.project(projectId ?? ""), enabled: ready && !!projectId });
  const defects = useQuery({
    ...qaQueries.projectDefects(projectId ?? "", {
      status: status || undefined,
      severity: severity || undefined,
      test: test || undefined,
      limit: 100,
    }),
    enabled: ready && !!projectId,
    placeholderData: keepPreviousData,
  });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/runs/?project=${projectId}`} className="text-sm text-blue-800 underline">
          ← Runs
        </Link>
        <h1 className="text-2xl font-semibold">{project.data?.name ?? "Project"} · defects</h1>
        <Link href={`/milestones/?project=${projectId}`} className="text-sm text-blue-800 underline">
          Milestones
        </Link>
      </div>
      <Card title="Defects">
        <div className="mb-4 flex flex-wrap gap-3" role="group" aria-label="Filters">
          <label className="flex flex-col text-sm">
            Status
            <select className="rounded border border-slate-400 bg-white px-2 py-1.5" value={status} onChange={(e) => setStatus(e.target.value as "open" | "closed" | "")}>
              <option value="">any</option>
              <option value="open">open</option>
              <option value="closed">closed</option>
            </select>
          </label>
          <label className="flex flex-col text-sm">
            Severity
            <select className="rounded border border-slate-400 bg-white px-2 py-1.5" value={severity} onChange={(e) => setSeverity(e.target.value as Severity | "")}>
              <option value="">any</option>
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="flex flex-col text-sm">
            Test
            <input className="rounded border border-slate-400 bg-white px-2 py-1.5" value={test} onChange={(e) => setTest(e.target.value)} />
          </label>
        </div>
        {defects.isPending && <Loading what="defects" />}
        {defects.isError && <ErrorNote error={defects.error} />}
        {defects.data?.items.length === 0 && <Empty>No defect matches. File one from a failed test on a run&apos;s page, or below.</Empty>}
        {!!defects.data?.items.length && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Defects of this project, newest first</caption>
              <thead className="text-slate-700">
                <tr>
                  <th className="pr-3">Key</th>
                  <th className="pr-3">Title</th>
                  <th className="pr-3">Status</th>
                  <th className="pr-3">Severity</th>
                  <th className="pr-3">Failures</th>
                  <th className="pr-3">Tracker</th>
                </tr>
              </thead>
              <tbody>
                {defects.data.items.map((d) => (
                  <tr key={d.id} className="border-t border-slate-100 align-top" data-testid="defect-row">
                    <td className="whitespace-nowrap pr-3">
                      <Link href={`/defects/view/?id=${d.id}`} className="text-blue-800 underline">
                        {d.key}
                      </Link>
                    </td>
                    <td className="pr-3">
                      {d.title}
                      {d.passing_since_run_id && <span className="ml-2 text-xs text-green-800">passing again</span>}
                    </td>
                    <td className="pr-3">
                      <StatusBadge status={d.status} />
                    </td>
                    <td className="pr-3">{d.severity}</td>
                    <td className="pr-3">{d.occurrences}</td>
                    <td className="pr-3">
                      {d.issue_url ? (
                        <a href={d.issue_url} className="text-blue-800 underline" rel="noreferrer" target="_blank">
                          #{d.issue_number}
                        </a>
                      ) : (
                        d.tracker
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="File a defect by hand">
        <NewDefect projectId={projectId} />
      </Card>
      <Card title="Tracker">
        <TrackerSetting projectId={projectId} />
      </Card>
    </div>
  );
}

export default withSuspense(DefectsPage);
