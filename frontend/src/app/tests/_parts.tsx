"use client";
// Pieces the test analytics pages share: their navigation, how a status and its evidence
// read, the quarantine button and the duration chart (plain SVG, no chart library).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { queries } from "@/api/queries";
import { analyticsKeys, analyticsWrites, type TestStatus, type Trends } from "@/api/queries/analytics";
import { Button, ErrorNote } from "@/components/ui";

export const SECTIONS = [
  { href: "/tests/", label: "Search" },
  { href: "/tests/flaky/", label: "Flaky and broken" },
  { href: "/tests/quarantine/", label: "Quarantine" },
  { href: "/tests/clusters/", label: "Failure clusters" },
  { href: "/tests/trends/", label: "Duration trends" },
  { href: "/tests/compare/", label: "Compare runs" },
] as const;

export function testHref(projectId: string, test: string): string {
  return `/tests/history/?project=${projectId}&test=${encodeURIComponent(test)}`;
}

/** The page's heading and the project's test pages (the current one not a link). */
export function TestsHeader({ projectId, title, current }: { projectId: string; title: string; current: string }) {
  const project = useQuery(queries.project(projectId));
  return (
    <div>
      <Link href={`/runs/?project=${projectId}`} className="text-sm text-blue-800 underline">
        ← {project.data?.name ?? "Project"} runs
      </Link>
      <h1 className="text-2xl font-semibold">
        {project.data?.name ?? "Project"} · {title}
      </h1>
      {project.isError && <ErrorNote error={project.error} />}
      <nav aria-label="Tests" className="mt-1 flex flex-wrap gap-4 text-sm">
        {SECTIONS.map((s) =>
          s.href === current ? (
            <span key={s.href} aria-current="page" className="font-semibold">
              {s.label}
            </span>
          ) : (
            <Link key={s.href} href={`${s.href}?project=${projectId}`} className="text-blue-800 underline">
              {s.label}
            </Link>
          ),
        )}
      </nav>
    </div>
  );
}

const HEALTH: Record<string, string> = {
  healthy: "bg-green-100 text-green-900",
  flaky: "bg-yellow-100 text-yellow-900",
  broken: "bg-red-100 text-red-900",
};

export function HealthBadge({ status, quarantined }: { status: string; quarantined?: boolean }) {
  return (
    <span className="inline-flex gap-1">
      <span
        data-testid="test-health"
        className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${HEALTH[status] ?? "bg-slate-100"}`}
      >
        {status}
      </span>
      {quarantined && (
        <span className="inline-block rounded bg-slate-200 px-2 py-0.5 text-xs font-semibold text-slate-900">
          quarantined
        </span>
      )}
    </span>
  );
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : `${Math.round(value * 100)} %`;
}

export function when(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString() : "–";
}

export function EvidenceList({ evidence }: { evidence: TestStatus["evidence"] }) {
  if (evidence.length === 0) return null;
  return (
    <ul aria-label="Evidence" className="flex list-disc flex-col gap-1 pl-5 text-sm">
      {evidence.map((e, i) => (
        <li key={i} data-testid="evidence">
          {e.text}
          {e.commit_sha && <span className="font-mono text-slate-600"> · {e.commit_sha.slice(0, 7)}</span>}
          {e.run_ids.slice(0, 5).map((id) => (
            <Link key={id} href={`/runs/view/?id=${id}`} className="ml-2 font-mono text-blue-800 underline">
              {id.slice(0, 8)}
            </Link>
          ))}
        </li>
      ))}
    </ul>
  );
}

/** Quarantine (with a reason) or release a test; members and up (the api says no otherwise). */
export function QuarantineControl({ projectId, test, quarantined }: { projectId: string; test: string; quarantined: boolean }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const change = useMutation({
    mutationFn: async () =>
      quarantined
        ? analyticsWrites.release(projectId, test)
        : analyticsWrites.quarantine(projectId, test, reason.trim() || "quarantined from the dashboard"),
    onSuccess: () => {
      setReason("");
      return queryClient.invalidateQueries({ queryKey: analyticsKeys.all(projectId) });
    },
  });
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        change.mutate();
      }}
    >
      {!quarantined && (
        <label className="flex flex-col text-sm">
          Reason
          <input
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="e.g. known bug, fix in progress"
            className="rounded border border-slate-400 px-2 py-1"
          />
        </label>
      )}
      <Button type="submit" variant={quarantined ? "secondary" : "danger"} busy={change.isPending}>
        {quarantined ? "Release from quarantine" : "Quarantine this test"}
      </Button>
      <ErrorNote error={change.error} />
    </form>
  );
}

/** p50 and p95 per bucket as two lines over time; points without results are gaps. */
export function DurationChart({ points }: { points: Trends["points"] }) {
  const width = 640;
  const height = 200;
  const pad = 40;
  const values = points.flatMap((p) => [p.p50_ms, p.p95_ms]).filter((v): v is number => v !== null);
  if (points.length === 0 || values.length === 0) return <p className="text-slate-600">No durations in this period.</p>;
  const top = Math.max(...values) * 1.1 || 1;
  const x = (i: number) => pad + (points.length === 1 ? (width - 2 * pad) / 2 : (i * (width - 2 * pad)) / (points.length - 1));
  const y = (v: number) => height - pad - (v / top) * (height - 2 * pad);
  const line = (pick: (p: Trends["points"][number]) => number | null) =>
    points
      .map((p, i) => {
        const v = pick(p);
        return v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      })
      .filter(Boolean)
      .join(" ");
  return (
    <figure>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Duration p50 and p95 over ${points.length} periods, up to ${ms(Math.max(...values))}`}
        className="w-full max-w-3xl"
        data-testid="duration-chart"
      >
        <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} stroke="#94a3b8" />
        <line x1={pad} y1={pad / 2} x2={pad} y2={height - pad} stroke="#94a3b8" />
        <text x={4} y={pad / 2 + 4} fontSize="10" fill="#475569">
          {ms(top)}
        </text>
        <text x={pad} y={height - pad / 2} fontSize="10" fill="#475569">
          {points[0]?.bucket_start}
        </text>
        <text x={width - pad} y={height - pad / 2} fontSize="10" fill="#475569" textAnchor="end">
          {points[points.length - 1]?.bucket_start}
        </text>
        <polyline points={line((p) => p.p95_ms)} fill="none" stroke="#b45309" strokeWidth="2" />
        <polyline points={line((p) => p.p50_ms)} fill="none" stroke="#1d4ed8" strokeWidth="2" />
        {points.map((p, i) =>
          p.p50_ms === null ? null : (
            <circle key={i} cx={x(i)} cy={y(p.p50_ms)} r="3" fill="#1d4ed8">
              <title>
                {p.bucket_start}: p50 {ms(p.p50_ms)}, p95 {ms(p.p95_ms)}, {p.results} results, pass rate {percent(p.pass_rate)}
              </title>
            </circle>
          ),
        )}
      </svg>
      <figcaption className="text-sm text-slate-700">
        <span className="text-blue-800">■ p50</span> · <span className="text-amber-700">■ p95</span>
      </figcaption>
    </figure>
  );
}
