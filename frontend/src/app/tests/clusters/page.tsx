"use client";
// Failures grouped by their normalised error (fingerprint) across tests and runs; a person
// triages each cluster (product bug, automation bug, environment, to investigate), and a
// new failure with a known fingerprint gets that decision suggested.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { analytics, analyticsKeys, analyticsWrites, DECISIONS, type ClusterItem, type Decision } from "@/api/queries/analytics";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Loading } from "@/components/ui";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { TestsHeader, when } from "../_parts";

const LABEL = Object.fromEntries(DECISIONS.map((d) => [d.value, d.label])) as Record<Decision, string>;

function Triage({ projectId, cluster }: { projectId: string; cluster: ClusterItem }) {
  const queryClient = useQueryClient();
  const [decision, setDecision] = useState<string>(cluster.decision ?? "");
  const [note, setNote] = useState(cluster.note ?? "");
  const save = useMutation({
    mutationFn: () => analyticsWrites.decide(projectId, cluster.id, (decision || null) as Decision | null, note.trim() || null),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: analyticsKeys.all(projectId) }),
  });
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <label className="flex flex-col text-sm">
        Decision
        <select value={decision} onChange={(e) => setDecision(e.target.value)} className="rounded border border-slate-400 px-2 py-1">
          <option value="">not triaged</option>
          {DECISIONS.map((d) => (
            <option key={d.value} value={d.value}>
              {d.label}
            </option>
          ))}
        </select>
      </label>
      <label className="flex flex-col text-sm">
        Note
        <input value={note} onChange={(e) => setNote(e.target.value)} className="rounded border border-slate-400 px-2 py-1" />
      </label>
      <Button type="submit" variant="secondary" busy={save.isPending}>
        Save decision
      </Button>
      {save.isSuccess && !save.isPending && (
        <span role="status" className="text-sm text-green-800">
          Saved
        </span>
      )}
      <ErrorNote error={save.error} />
    </form>
  );
}

function ClustersPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const [filter, setFilter] = useState("");
  const clusters = useQuery({ ...analytics.clusters(projectId ?? "", filter), enabled: ready && !!projectId });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  return (
    <div className="flex flex-col gap-6">
      <TestsHeader projectId={projectId} title="failure clusters" current="/tests/clusters/" />
      <Card title={`Failure clusters${clusters.data ? ` (${clusters.data.total})` : ""}`}>
        <label className="mb-4 flex flex-col text-sm">
          Show
          <select value={filter} onChange={(e) => setFilter(e.target.value)} className="w-60 rounded border border-slate-400 px-2 py-1">
            <option value="">all clusters</option>
            <option value="none">not triaged</option>
            {DECISIONS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </label>
        {clusters.isPending && <Loading what="clusters" />}
        {clusters.isError && <ErrorNote error={clusters.error} />}
        {clusters.data?.items.length === 0 && <Empty>No failure clusters.</Empty>}
        <ul className="flex flex-col divide-y divide-slate-200">
          {clusters.data?.items.map((c) => (
            <li key={c.id} className="flex flex-col gap-2 py-3" data-testid="cluster">
              <pre className="overflow-x-auto whitespace-pre-wrap break-words rounded bg-slate-50 p-2 text-xs">{c.sample_error}</pre>
              <p className="text-sm text-slate-700">
                {c.failures_count} failures in {c.tests_count} tests · first {when(c.first_seen)} · last {when(c.last_seen)}
                {c.decision && <> · triaged: <strong>{LABEL[c.decision]}</strong></>}
                {!c.decision && c.suggested_decision && (
                  <>
                    {" "}
                    · suggested from an earlier triage: <strong>{LABEL[c.suggested_decision]}</strong>
                  </>
                )}
                {c.defect_id && <> · defect {c.defect_id.slice(0, 8)}</>}
              </p>
              <Triage key={`${c.id}:${c.decision ?? ""}`} projectId={projectId} cluster={c} />
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}

export default withSuspense(ClustersPage);
