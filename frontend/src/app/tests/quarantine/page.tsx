"use client";
// The project's quarantined tests: they still run and their results are kept, but their
// failures do not fail a run, the GitHub check or the PR comment. Released by hand here,
// or by the monitors after enough passes in a row or quiet days.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { analytics } from "@/api/queries/analytics";
import { withSuspense } from "@/components/Page";
import { Card, Empty, ErrorNote, Loading } from "@/components/ui";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { QuarantineControl, TestsHeader, testHref, when } from "../_parts";

function QuarantinePage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const list = useQuery({ ...analytics.quarantine(projectId ?? ""), enabled: ready && !!projectId });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  return (
    <div className="flex flex-col gap-6">
      <TestsHeader projectId={projectId} title="quarantine" current="/tests/quarantine/" />
      <Card title={`Quarantined tests${list.data ? ` (${list.data.total})` : ""}`}>
        <p className="mb-3 text-sm text-slate-700">
          A quarantined test still runs and its result is shown, but its failure does not fail the run, the GitHub check or
          the pull-request comment; each report says what was quarantined.
        </p>
        {list.isPending && <Loading what="the quarantine" />}
        {list.isError && <ErrorNote error={list.error} />}
        {list.data?.items.length === 0 && <Empty>No test is quarantined.</Empty>}
        <ul className="flex flex-col divide-y divide-slate-200">
          {list.data?.items.map((q) => (
            <li key={q.test} className="flex flex-col gap-1 py-3" data-testid="quarantined-test">
              <Link href={testHref(projectId, q.test)} className="break-all font-mono text-blue-800 underline">
                {q.test}
              </Link>
              <p className="text-sm text-slate-700">
                {q.reason} · by {q.by === "monitor" ? "a monitor" : (q.by_user ?? "a person")} · since {when(q.since)} ·{" "}
                {q.consecutive_passes} passes in a row
              </p>
              <QuarantineControl projectId={projectId} test={q.test} quarantined />
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}

export default withSuspense(QuarantinePage);
