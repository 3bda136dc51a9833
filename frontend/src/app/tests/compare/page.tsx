"use client";
// Two runs of a project side by side: new failures, fixed, still failing, flaky, added and
// removed tests, and the largest duration changes.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { queries } from "@/api/queries";
import { analytics, type Comparison } from "@/api/queries/analytics";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Loading, StatusBadge } from "@/components/ui";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { TestsHeader, ms, testHref, when } from "../_parts";

const GROUPS: { key: keyof Comparison & string; title: string }[] = [
  { key: "new_failures", title: "New failures" },
  { key: "fixed", title: "Fixed" },
  { key: "still_failing", title: "Still failing" },
  { key: "flaky", title: "Flaky" },
  { key: "added", title: "Added tests" },
  { key: "removed", title: "Removed tests" },
];

function Result({ projectId, base, head }: { projectId: string; base: string; head: string }) {
  const comparison = useQuery(analytics.compare(projectId, base, head));
  if (comparison.isPending) return <Loading what="the comparison" />;
  if (comparison.isError) return <ErrorNote error={comparison.error} />;
  const c = comparison.data;
  return (
    <>
      <Card title="Runs">
        <ul className="text-sm">
          {(["base", "head"] as const).map((side) => (
            <li key={side}>
              {side}:{" "}
              <Link href={`/runs/view/?id=${c[side].id}`} className="font-mono text-blue-800 underline">
                {c[side].id.slice(0, 8)}
              </Link>{" "}
              <StatusBadge status={c[side].status} /> {c[side].branch ?? ""} {c[side].commit_sha?.slice(0, 7) ?? ""} ·{" "}
              {c[side].total} tests · {when(c[side].finished_at)}
            </li>
          ))}
        </ul>
      </Card>
      {GROUPS.map(({ key, title }) => {
        const items = c[key] as Comparison["fixed"];
        return (
          <section key={key} aria-label={title} className="rounded-lg border border-slate-200 bg-white p-4">
            <h2 className="mb-2 font-semibold">
              {title} ({items.length})
            </h2>
            {items.length === 0 ? (
              <p className="text-sm text-slate-600">None.</p>
            ) : (
              <ul className="flex flex-col gap-1 text-sm">
                {items.map((item) => (
                  <li key={item.test} data-testid={`compare-${key}`}>
                    <Link href={testHref(projectId, item.test)} className="break-all font-mono text-blue-800 underline">
                      {item.test}
                    </Link>{" "}
                    <span className="text-slate-700">
                      {item.outcome_base ?? "–"} → {item.outcome_head ?? "–"}
                    </span>
                    {item.error_message && <div className="break-words text-red-800">{item.error_message}</div>}
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
      <Card title="Duration changes">
        {c.duration_deltas.length === 0 ? (
          <Empty>No test ran in both runs.</Empty>
        ) : (
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Largest duration changes first</caption>
            <thead>
              <tr>
                <th className="pr-3">Test</th>
                <th className="pr-3">Base</th>
                <th className="pr-3">Head</th>
                <th className="pr-3">Change</th>
              </tr>
            </thead>
            <tbody>
              {c.duration_deltas.map((d) => (
                <tr key={d.test} className="border-t border-slate-100">
                  <td className="break-all pr-3 font-mono">{d.test}</td>
                  <td className="pr-3">{ms(d.base_ms)}</td>
                  <td className="pr-3">{ms(d.head_ms)}</td>
                  <td className={`pr-3 ${d.delta_ms > 0 ? "text-red-800" : "text-green-800"}`}>
                    {d.delta_ms > 0 ? "+" : "−"}
                    {ms(Math.abs(d.delta_ms))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function ComparePage() {
  const ready = useRequireAuth();
  const router = useRouter();
  const projectId = useParam("project");
  const base = useParam("base");
  const head = useParam("head");
  const runs = useQuery({ ...queries.projectRuns(projectId ?? "", { limit: 100 }), enabled: ready && !!projectId });
  const [chosenBase, setChosenBase] = useState(base ?? "");
  const [chosenHead, setChosenHead] = useState(head ?? "");
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  const finished = runs.data?.items.filter((r) => !["queued", "running"].includes(r.status)) ?? [];
  const label = (r: (typeof finished)[number]) =>
    `${r.id.slice(0, 8)} · ${r.status} · ${r.branch ?? "no branch"} · ${r.finished_at ? new Date(r.finished_at).toLocaleString() : ""}`;
  return (
    <div className="flex flex-col gap-6">
      <TestsHeader projectId={projectId} title="compare runs" current="/tests/compare/" />
      <Card title="Pick two runs">
        {runs.isPending && <Loading what="runs" />}
        {runs.isError && <ErrorNote error={runs.error} />}
        {runs.data && finished.length < 2 && <Empty>Two finished runs are needed to compare.</Empty>}
        {finished.length >= 2 && (
          <form
            className="flex flex-wrap items-end gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              router.push(`/tests/compare/?project=${projectId}&base=${chosenBase}&head=${chosenHead}`);
            }}
          >
            {(
              [
                ["Base run (before)", chosenBase, setChosenBase],
                ["Head run (after)", chosenHead, setChosenHead],
              ] as const
            ).map(([text, value, set]) => (
              <label key={text} className="flex flex-col text-sm">
                {text}
                <select value={value} onChange={(e) => set(e.target.value)} className="rounded border border-slate-400 px-2 py-1" required>
                  <option value="">choose a run</option>
                  {finished.map((r) => (
                    <option key={r.id} value={r.id}>
                      {label(r)}
                    </option>
                  ))}
                </select>
              </label>
            ))}
            <Button type="submit" disabled={!chosenBase || !chosenHead || chosenBase === chosenHead}>
              Compare
            </Button>
          </form>
        )}
      </Card>
      {base && head && <Result projectId={projectId} base={base} head={head} />}
    </div>
  );
}

export default withSuspense(ComparePage);
