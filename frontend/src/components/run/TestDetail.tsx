"use client";
// One finished test: its outcome, the failure as written (line breaks kept, expected and
// actual pulled out), each step once with its decision and why, the traceback folded.
import type { Schemas } from "@/api/client";
import { Decision } from "@/components/Decision";
import { FileDefect } from "@/components/defects/FileDefect";
import { StatusBadge } from "@/components/ui";
import { parseFailure } from "./failure";
import type { StoredStep } from "./StepFilter";

type TestResult = Schemas["TestResultOut"];

function FailureMessage({ message, expectedFailure }: { message: string; expectedFailure: boolean }) {
  const failure = parseFailure(message);
  return (
    <div className="mt-2" data-testid="failure">
      {expectedFailure && (
        <p className="mb-1 text-sm text-slate-700">
          Expected failure (xfail): the suite marks this test as known to fail, so it does not fail the run.
        </p>
      )}
      {(failure.expected !== null || failure.actual !== null) && (
        <dl className="mb-1 grid grid-cols-[max-content_1fr] gap-x-3 text-sm" data-testid="failure-values">
          <dt className="font-semibold text-slate-700">Expected</dt>
          <dd className="break-all font-mono text-green-900">{failure.expected ?? "–"}</dd>
          <dt className="font-semibold text-slate-700">Actual</dt>
          <dd className="break-all font-mono text-red-900">{failure.actual ?? "–"}</dd>
        </dl>
      )}
      <pre
        className={`overflow-auto whitespace-pre-wrap rounded p-2 text-xs [overflow-wrap:anywhere] ${expectedFailure ? "bg-slate-50 text-slate-800" : "bg-red-50 text-red-900"}`}
        data-testid="failure-message"
      >
        {failure.lines.join("\n")}
      </pre>
    </div>
  );
}

/** ``projectId``: offer "File a defect" on a failed result (the finished run's page).
 * ``quarantined``: the test was quarantined when the run started (its failure not counted). */
export function TestDetail({ test, projectId, quarantined }: { test: TestResult; projectId?: string; quarantined?: boolean }) {
  const steps = test.steps as StoredStep[];
  const expectedFailure = test.outcome === "xfailed";
  return (
    <li className="rounded border border-slate-200 p-3" data-testid="result-test">
      <div className="flex flex-wrap items-center gap-2">
        <StatusBadge status={expectedFailure ? "expected failure" : test.outcome} />
        <span className="break-all font-mono text-sm">{test.node_id}</span>
        <span className="text-xs text-slate-600">{test.duration.toFixed(2)} s</span>
        {test.retries > 0 && <span className="text-xs text-slate-600">{test.retries} retries</span>}
        {test.flaky && <span className="text-xs font-semibold text-amber-800">flaky</span>}
        {quarantined && (
          <span className="text-xs font-semibold text-slate-700" data-testid="quarantined">
            {test.outcome === "failed" || test.outcome === "error" ? "quarantined: not counted" : "quarantined"}
          </span>
        )}
      </div>
      {test.error_message && <FailureMessage message={test.error_message} expectedFailure={expectedFailure} />}
      {projectId && (test.outcome === "failed" || test.outcome === "error") && (
        <FileDefect projectId={projectId} runTestId={test.id} />
      )}
      {steps.length > 0 && (
        <div className="overflow-x-auto">
          <table className="mt-2 w-full text-left text-sm">
            <caption className="sr-only">Steps of {test.node_id}</caption>
            <thead className="text-slate-700">
              <tr>
                <th className="pr-3">#</th>
                <th className="pr-3">Step</th>
                <th className="pr-3">Decision</th>
                <th className="pr-3">Why</th>
              </tr>
            </thead>
            <tbody>
              {steps.map((step, i) => (
                <tr key={i} className="border-t border-slate-100 align-top" data-testid="result-step">
                  <td className="pr-3">{i + 1}</td>
                  <td className="pr-3">{step.instruction}</td>
                  <td className="whitespace-nowrap pr-3">
                    <Decision decision={step.decision ?? null} confidence={step.confidence} resolver={step.resolver} />
                    {step.matched_by === "containment" && (
                      <span className="ml-1 text-xs text-amber-800" data-testid="matched-by-containment">
                        matched by containment
                      </span>
                    )}
                  </td>
                  <td className="whitespace-pre-wrap pr-3 text-slate-700">{step.explanation}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {test.traceback && (
        <details className="mt-2">
          <summary className="cursor-pointer text-sm">Traceback</summary>
          <pre className="mt-1 overflow-auto whitespace-pre-wrap text-xs">{test.traceback}</pre>
        </details>
      )}
    </li>
  );
}
