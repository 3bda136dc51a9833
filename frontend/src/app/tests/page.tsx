"use client";
// Test search: a project's tests by name, file, marker, owner, last outcome, status and
// quarantine, with each test's failure rate and durations; a test opens its history.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { analytics, type TestsQuery } from "@/api/queries/analytics";
import { withSuspense } from "@/components/Page";
import { Card, Empty, ErrorNote, Loading, StatusBadge } from "@/components/ui";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { HealthBadge, TestsHeader, ms, percent, testHref, when } from "./_parts";

const PAGE = 50;

function TextFilter({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  return (
    <label className="flex flex-col text-sm">
      {label}
      <input
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className="rounded border border-slate-400 px-2 py-1"
        type="search"
      />
    </label>
  );
}

function TestSearch() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const [q, setQ] = useState("");
  const [file, setFile] = useState("");
  const [marker, setMarker] = useState("");
  const [owner, setOwner] = useState("");
  const [outcome, setOutcome] = useState("");
  const [status, setStatus] = useState("");
  const [quarantined, setQuarantined] = useState("");
  const [offset, setOffset] = useState(0);
  const filter: TestsQuery = {
    q: q || undefined,
    file: file || undefined,
    marker: marker || undefined,
    owner: owner || undefined,
    outcome: outcome || undefined,
    status: (status || undefined) as TestsQuery["status"],
    quarantined: quarantined === "" ? undefined : quarantined === "yes",
  };
  const tests = useQuery({ ...analytics.tests(projectId ?? "", filter, offset, PAGE), enabled: ready && !!projectId });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  const reset = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setOffset(0);
  };
  return (
    <div className="flex flex-col gap-6">
      <TestsHeader projectId={projectId} title="tests" current="/tests/" />
      <Card title="Find a test">
        <div role="search" aria-label="Test filters" className="mb-4 flex flex-wrap items-end gap-3">
          <TextFilter label="Name contains" value={q} onChange={reset(setQ)} />
          <TextFilter label="File" value={file} onChange={reset(setFile)} />
          <TextFilter label="Marker" value={marker} onChange={reset(setMarker)} />
          <TextFilter label="Owner" value={owner} onChange={reset(setOwner)} />
          <label className="flex flex-col text-sm">
            Last outcome
            <select value={outcome} onChange={(e) => reset(setOutcome)(e.target.value)} className="rounded border border-slate-400 px-2 py-1">
              <option value="">any</option>
              <option value="passed">passed</option>
              <option value="failed">failed</option>
              <option value="error">error</option>
              <option value="skipped">skipped</option>
            </select>
          </label>
          <label className="flex flex-col text-sm">
            Status
            <select value={status} onChange={(e) => reset(setStatus)(e.target.value)} className="rounded border border-slate-400 px-2 py-1">
              <option value="">any</option>
              <option value="healthy">healthy</option>
              <option value="flaky">flaky</option>
              <option value="broken">broken</option>
            </select>
          </label>
          <label className="flex flex-col text-sm">
            Quarantined
            <select
              value={quarantined}
              onChange={(e) => reset(setQuarantined)(e.target.value)}
              className="rounded border border-slate-400 px-2 py-1"
            >
              <option value="">either</option>
              <option value="yes">yes</option>
              <option value="no">no</option>
            </select>
          </label>
        </div>
        {tests.isPending && <Loading what="tests" />}
        {tests.isError && <ErrorNote error={tests.error} />}
        {tests.data?.items.length === 0 && <Empty>No test matches. Tests appear here once a run has recorded them.</Empty>}
        {!!tests.data?.items.length && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Tests, {tests.data.total} found</caption>
              <thead className="text-slate-700">
                <tr>
                  <th className="pr-3">Test</th>
                  <th className="pr-3">Status</th>
                  <th className="pr-3">Last outcome</th>
                  <th className="pr-3">Results</th>
                  <th className="pr-3">Failure rate</th>
                  <th className="pr-3">p50 / p95</th>
                  <th className="pr-3">Owner</th>
                  <th className="pr-3">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {tests.data.items.map((t) => (
                  <tr key={t.test} className="border-t border-slate-100 align-top" data-testid="test-row">
                    <td className="break-all pr-3">
                      <Link href={testHref(projectId, t.test)} className="font-mono text-blue-800 underline">
                        {t.test}
                      </Link>
                      {t.markers.length > 0 && <div className="text-xs text-slate-600">{t.markers.join(", ")}</div>}
                    </td>
                    <td className="pr-3">
                      <HealthBadge status={t.status} quarantined={t.quarantined} />
                    </td>
                    <td className="pr-3">
                      <StatusBadge status={t.last_outcome} />
                    </td>
                    <td className="pr-3">{t.results}</td>
                    <td className="pr-3">{percent(t.failure_rate)}</td>
                    <td className="whitespace-nowrap pr-3">
                      {ms(t.p50_ms)} / {ms(t.p95_ms)}
                    </td>
                    <td className="pr-3">{t.owner ?? "–"}</td>
                    <td className="whitespace-nowrap pr-3">{when(t.last_seen_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="mt-3 flex items-center gap-3 text-sm">
              <span>
                {offset + 1}–{offset + tests.data.items.length} of {tests.data.total}
              </span>
              <button type="button" className="underline disabled:opacity-50" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                Previous
              </button>
              <button
                type="button"
                className="underline disabled:opacity-50"
                disabled={offset + PAGE >= tests.data.total}
                onClick={() => setOffset(offset + PAGE)}
              >
                Next
              </button>
            </div>
          </div>
        )}
      </Card>
    </div>
  );
}

export default withSuspense(TestSearch);
