"use client";
// Tests the monitors call flaky or broken, each with the runs that are the evidence.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { analytics } from "@/api/queries/analytics";
import { withSuspense } from "@/components/Page";
import { Card, Empty, ErrorNote, Loading } from "@/components/ui";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { EvidenceList, HealthBadge, QuarantineControl, TestsHeader, percent, testHref } from "../_parts";

function FlakyPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const flaky = useQuery({ ...analytics.flaky(projectId ?? ""), enabled: ready && !!projectId });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  return (
    <div className="flex flex-col gap-6">
      <TestsHeader projectId={projectId} title="flaky and broken tests" current="/tests/flaky/" />
      <Card title={`Flaky and broken tests${flaky.data ? ` (${flaky.data.total})` : ""}`}>
        <p className="mb-3 text-sm text-slate-700">
          Broken: failing every time over the window (never quarantined automatically). Flaky: passed and failed on the same
          commit, failed often over the window, or flipped between passing and failing. Runs where most tests failed at once are
          left out of the evidence. The monitors are set per project.
        </p>
        {flaky.isPending && <Loading what="flaky tests" />}
        {flaky.isError && <ErrorNote error={flaky.error} />}
        {flaky.data?.items.length === 0 && <Empty>No flaky or broken test. All healthy.</Empty>}
        <ul className="flex flex-col divide-y divide-slate-200">
          {flaky.data?.items.map((t) => (
            <li key={t.test} className="flex flex-col gap-2 py-3" data-testid="flaky-test">
              <p className="flex flex-wrap items-center gap-2">
                <HealthBadge status={t.status} quarantined={t.quarantined} />
                <Link href={testHref(projectId, t.test)} className="break-all font-mono text-blue-800 underline">
                  {t.test}
                </Link>
                <span className="text-sm text-slate-700">
                  failure rate {percent(t.failure_rate)} over {t.results} results
                </span>
              </p>
              <EvidenceList evidence={t.evidence} />
              {!t.quarantined && <QuarantineControl projectId={projectId} test={t.test} quarantined={false} />}
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}

export default withSuspense(FlakyPage);
