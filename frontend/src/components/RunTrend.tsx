"use client";
// A project's last runs at a glance: one bar per run (height = share of tests passed),
// with the pass rate and the element-cache hit rate over those runs in words.
import { useQuery } from "@tanstack/react-query";
import { type RunOut } from "@/api/client";
import { queries } from "@/api/queries";

const RUNS = 20;

function passRate(run: RunOut): number | null {
  return run.total ? run.passed / run.total : null;
}

export function summarise(runs: RunOut[]): { pass: number | null; hits: number | null } {
  const finished = runs.filter((r) => r.total > 0);
  const tests = finished.reduce((n, r) => n + r.total, 0);
  const passed = finished.reduce((n, r) => n + r.passed, 0);
  let steps = 0;
  let hits = 0;
  for (const run of runs) {
    const stats = run.cache_stats as Record<string, number | undefined>;
    // Lookups, as docs/element-cache.md "Hit rate" defines it (runs stored before lookups
    // were recorded count their steps).
    steps += stats.lookups ?? stats.steps ?? 0;
    hits += stats.cache_hits ?? 0;
  }
  return { pass: tests ? passed / tests : null, hits: steps ? hits / steps : null };
}

const pct = (v: number | null) => (v === null ? "–" : `${Math.round(v * 100)} %`);

export function RunTrend({ projectId }: { projectId: string }) {
  const runs = useQuery({
    ...queries.projectRuns(projectId, { limit: RUNS }),
  });
  if (!runs.data || runs.data.items.length === 0) return null;
  const items = [...runs.data.items].reverse(); // oldest first, left to right
  const { pass, hits } = summarise(items);
  const label = `Last ${items.length} runs: pass rate ${pct(pass)}, cache hit rate ${pct(hits)}`;
  return (
    <span className="flex items-center gap-2 text-xs text-slate-700">
      <svg role="img" aria-label={label} width={items.length * 6} height={20} className="shrink-0">
        {items.map((run, i) => {
          const rate = passRate(run);
          const height = rate === null ? 2 : Math.max(2, rate * 20);
          return (
            <rect
              key={run.id}
              x={i * 6}
              y={20 - height}
              width={4}
              height={height}
              className={rate === 1 ? "fill-green-600" : rate === null ? "fill-slate-300" : "fill-red-600"}
            />
          );
        })}
      </svg>
      <span aria-hidden="true">
        pass {pct(pass)} · cache hits {pct(hits)}
      </span>
    </span>
  );
}
