"use client";
// One test case: its fields (custom ones by name), steps, edits (each a new version), the
// versions with what changed, and its history: the automated tests linked to it and
// every result they had.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api, type Schemas } from "@/api/client";
import { caseKeys, caseQueries } from "@/api/queries/cases";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading, StatusBadge } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

type CaseOut = Schemas["CaseOut"];
type Change = { path: string; op: string; old?: unknown; new?: unknown };

function shown(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

// The form is keyed by the case's version (so it starts from the saved values): the
// "saved" message lives with the parent, or the remount after the refetch would hide it.
function Edit({ testCase, onSaved }: { testCase: CaseOut; onSaved: (version: number) => void }) {
  const queryClient = useQueryClient();
  const [title, setTitle] = useState(testCase.title);
  const [status, setStatus] = useState(testCase.status);
  const [priority, setPriority] = useState(testCase.priority);
  const [steps, setSteps] = useState(
    (testCase.steps as { action: string; expected: string }[]).map((s) => `${s.action} => ${s.expected}`).join("\n"),
  );
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH("/api/cases/{case_id}", {
          params: { path: { case_id: testCase.id } },
          body: {
            title,
            status: status as "draft" | "ready" | "deprecated",
            priority: priority as "low" | "medium" | "high" | "critical",
            steps: steps
              .split("\n")
              .filter((line) => line.trim())
              .map((line) => {
                const [action = "", expected = ""] = line.split("=>");
                return { action: action.trim(), expected: expected.trim() };
              }),
          },
        }),
      ),
    onSuccess: (saved) => {
      onSaved(saved.version);
      void queryClient.invalidateQueries({ queryKey: caseKeys.testCase(testCase.id) });
    },
  });
  return (
    <form
      aria-label="Edit case"
      className="flex flex-col gap-3"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Field label="Title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={500} error={save.error && "fields" in save.error ? (save.error as { fields: Record<string, string> }).fields.title : undefined} />
      <div className="flex flex-wrap gap-3">
        <label className="flex flex-col text-sm">
          Status
          <select className="rounded border border-slate-400 bg-white px-2 py-1.5" value={status} onChange={(e) => setStatus(e.target.value)}>
            {["draft", "ready", "deprecated"].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="flex flex-col text-sm">
          Priority
          <select className="rounded border border-slate-400 bg-white px-2 py-1.5" value={priority} onChange={(e) => setPriority(e.target.value)}>
            {["low", "medium", "high", "critical"].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      <label className="flex flex-col gap-1 text-sm font-medium">
        Steps (one per line: action =&gt; expected result)
        <textarea className="h-28 rounded border border-slate-400 p-2 font-mono text-sm" value={steps} onChange={(e) => setSteps(e.target.value)} />
      </label>
      <div>
        <Button busy={save.isPending}>Save</Button>
      </div>
      {save.isError && <ErrorNote error={save.error} />}
    </form>
  );
}

function Versions({ caseId }: { caseId: string }) {
  const versions = useQuery(caseQueries.caseVersions(caseId));
  if (versions.isPending) return <Loading what="versions" />;
  if (versions.isError) return <ErrorNote error={versions.error} />;
  return (
    <ol className="flex flex-col gap-3 text-sm" aria-label="Versions">
      {[...versions.data].reverse().map((v) => (
        <li key={v.version}>
          <p className="font-semibold">
            Version {v.version} · {new Date(v.changed_at).toLocaleString()}
          </p>
          <ul className="ml-4 list-disc">
            {(v.diff as Change[]).map((c, i) => (
              <li key={i}>
                <span className="font-mono">{c.path}</span>{" "}
                {c.op === "add" && <>set to {shown(c.new)}</>}
                {c.op === "remove" && <>removed (was {shown(c.old)})</>}
                {c.op === "replace" && (
                  <>
                    {shown(c.old)} → {shown(c.new)}
                  </>
                )}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

function History({ caseId }: { caseId: string }) {
  const history = useQuery(caseQueries.caseHistory(caseId));
  if (history.isPending) return <Loading what="history" />;
  if (history.isError) return <ErrorNote error={history.error} />;
  const { links, results } = history.data;
  return (
    <div className="flex flex-col gap-3 text-sm">
      {links.length === 0 ? (
        <Empty>No automated test is linked. Mark one with @pytest.mark.case(&quot;KEY&quot;).</Empty>
      ) : (
        <ul aria-label="Linked tests">
          {links.map((l) => (
            <li key={l.node_id} className="font-mono">
              {l.node_id} <span className="font-sans text-slate-600">({l.source})</span>
            </li>
          ))}
        </ul>
      )}
      {results.length > 0 && (
        <table className="w-full text-left">
          <thead>
            <tr className="border-b border-slate-200">
              <th>When</th>
              <th>Test</th>
              <th>Outcome</th>
              <th>Run</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => (
              <tr key={r.run_test_id} className="border-b border-slate-100">
                <td>{new Date(r.created_at).toLocaleString()}</td>
                <td className="font-mono">{r.node_id}</td>
                <td>
                  <StatusBadge status={r.outcome} />
                </td>
                <td>
                  <Link className="text-blue-800 underline" href={`/runs/view/?id=${r.run_id}`}>
                    run
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function CasePage() {
  const ready = useRequireAuth();
  const caseId = useParam("id");
  const testCase = useQuery({ ...caseQueries.testCase(caseId ?? ""), enabled: ready && !!caseId });
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const fields = useQuery({
    ...caseQueries.fields(testCase.data?.project_id ?? ""),
    enabled: !!testCase.data,
  });
  if (!ready) return <Loading what="your account" />;
  if (!caseId) return <ErrorNote error="No case chosen." />;
  if (testCase.isPending) return <Loading what="the case" />;
  if (testCase.isError) return <ErrorNote error={testCase.error} />;
  const c = testCase.data;
  const names = new Map((fields.data ?? []).map((f) => [f.id, f.name]));
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/cases/?project=${c.project_id}`} className="text-sm text-blue-800 underline">
          ← Test cases
        </Link>
        <h1 className="text-2xl font-semibold">
          <span className="font-mono">{c.key}</span> {c.title}
        </h1>
        {c.merged_into_id && (
          <p className="text-sm">
            Merged into{" "}
            <Link className="text-blue-800 underline" href={`/cases/view/?id=${c.merged_into_id}`}>
              another case
            </Link>
            .
          </p>
        )}
      </div>
      <Card title="Fields">
        <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-1 text-sm">
          <dt>Status</dt>
          <dd>{c.status}</dd>
          <dt>Priority</dt>
          <dd>{c.priority}</dd>
          <dt>Type</dt>
          <dd>{c.type}</dd>
          <dt>Automation</dt>
          <dd>{c.automation.replace("_", " ")}</dd>
          <dt>Tags</dt>
          <dd>{c.tags.join(", ") || "—"}</dd>
          <dt>Feature</dt>
          <dd>{c.feature ?? "—"}</dd>
          <dt>References</dt>
          <dd>
            {(c.references as { id: string; url?: string | null }[]).map((r) =>
              r.url ? (
                <a key={r.id} className="mr-2 text-blue-800 underline" href={r.url}>
                  {r.id}
                </a>
              ) : (
                <span key={r.id} className="mr-2">
                  {r.id}
                </span>
              ),
            )}
            {c.references.length === 0 && "—"}
          </dd>
          <dt>Preconditions</dt>
          <dd className="whitespace-pre-wrap">{c.preconditions || "—"}</dd>
          {Object.entries(c.custom).map(([id, value]) => (
            <div key={id} className="contents">
              <dt>{names.get(id) ?? "(deleted field)"}</dt>
              <dd>{Array.isArray(value) ? value.join(", ") : String(value)}</dd>
            </div>
          ))}
        </dl>
        <h3 className="mt-4 font-semibold">Steps</h3>
        {c.steps.length === 0 ? (
          <p className="text-sm text-slate-600">No steps.</p>
        ) : (
          <ol className="ml-6 list-decimal text-sm" aria-label="Steps">
            {(c.steps as { action: string; expected: string }[]).map((s, i) => (
              <li key={i}>
                {s.action}
                {s.expected && <span className="text-slate-600"> — expected: {s.expected}</span>}
              </li>
            ))}
          </ol>
        )}
      </Card>
      <Card title="Edit">
        <Edit key={c.version} testCase={c} onSaved={setSavedVersion} />
        {savedVersion !== null && <p role="status">Saved as version {savedVersion}.</p>}
      </Card>
      <Card title="History">
        <History caseId={c.id} />
      </Card>
      <Card title="Versions">
        <Versions key={c.version} caseId={c.id} />
      </Card>
    </div>
  );
}

export default withSuspense(CasePage);
