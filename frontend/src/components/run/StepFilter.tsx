"use client";
// Which tests a finished run's page lists: all, or those with a failure, a healed step, a
// step the resolver decided, or a step TestAble refused to act on (decision "failed": it
// did not find the element with enough evidence, so it did not click anything).
import type { Schemas } from "@/api/client";

type TestResult = Schemas["TestResultOut"];
export type StepFilterValue = "all" | "failed" | "healed" | "resolver" | "refused";

export interface StoredStep {
  instruction?: string;
  kind?: string;
  decision?: string;
  confidence?: number;
  duration_ms?: number;
  explanation?: string;
  selector?: string | null;
  matched_by?: string | null;
  resolver?: string | null;
}

const FAILED = new Set(["failed", "error"]);

export function matches(test: TestResult, filter: StepFilterValue): boolean {
  const decisions = (test.steps as StoredStep[]).map((s) => s.decision);
  switch (filter) {
    case "all":
      return true;
    case "failed":
      return FAILED.has(test.outcome);
    case "healed":
      return decisions.includes("healed");
    case "resolver":
      return decisions.includes("resolver");
    case "refused":
      return decisions.includes("failed");
  }
}

const LABELS: Record<StepFilterValue, string> = {
  all: "All tests",
  failed: "Failed",
  healed: "Healed",
  resolver: "Resolver decided",
  refused: "Refused steps",
};

export function StepFilter({
  tests,
  value,
  onChange,
}: {
  tests: TestResult[];
  value: StepFilterValue;
  onChange: (value: StepFilterValue) => void;
}) {
  return (
    <fieldset className="mb-3 flex flex-wrap gap-2 text-sm" data-testid="result-filter">
      <legend className="sr-only">Show</legend>
      {(Object.keys(LABELS) as StepFilterValue[]).map((key) => {
        const count = tests.filter((t) => matches(t, key)).length;
        return (
          <label
            key={key}
            className={`cursor-pointer rounded border px-2 py-1 ${value === key ? "border-blue-800 bg-blue-50 font-semibold" : "border-slate-300"}`}
          >
            <input
              type="radio"
              name="result-filter"
              value={key}
              checked={value === key}
              onChange={() => onChange(key)}
              className="sr-only"
            />
            {LABELS[key]} ({count})
          </label>
        );
      })}
    </fieldset>
  );
}
