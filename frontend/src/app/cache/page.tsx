"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { withSuspense } from "@/components/Page";
import { Decision } from "@/components/Decision";
import { Button, Card, Empty, ErrorNote, Loading, StatusBadge } from "@/components/ui";
import type { CachedElement, CacheStats, DecisionRecord, ElementVersion } from "@/lib/cache";
import { authFetch } from "@/lib/authFetch";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { keys } from "@/api/queries";

// These routes return the store's plain records (no OpenAPI shapes).
function cacheApi<T>(projectId: string, path: string, init?: RequestInit): Promise<T> {
  return authFetch<T>(`/api/projects/${projectId}/cache${path}`, init);
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "–";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function Versions({ projectId, element }: { projectId: string; element: CachedElement }) {
  const versions = useQuery({
    queryKey: keys.cacheVersions(projectId, element.key),
    queryFn: () =>
      cacheApi<{ versions: ElementVersion[] }>(projectId, `/element/versions?key=${encodeURIComponent(element.key)}`),
  });
  if (versions.isPending) return <Loading what="versions" />;
  if (versions.isError) return <ErrorNote error={versions.error} />;
  return (
    <ol className="flex flex-col gap-2" aria-label="Versions, oldest first">
      {versions.data.versions.map((v) => (
        <li key={v.version} className="rounded border border-slate-200 p-2 text-sm" data-testid="cache-version">
          <p>
            <strong>v{v.version}</strong> {v.change} by {v.actor} · {new Date(v.at).toLocaleString()}
            {v.reason && <span className="text-slate-700"> — {v.reason}</span>}
          </p>
          {Object.keys(v.diff).length > 0 && (
            <table className="mt-1 w-full text-left text-xs">
              <caption className="sr-only">Changes in version {v.version}</caption>
              <thead>
                <tr>
                  <th className="pr-2">Field</th>
                  <th className="pr-2">Before</th>
                  <th>After</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(v.diff).map(([field, change]) => (
                  <tr key={field} className="border-t border-slate-100 align-top">
                    <td className="pr-2 font-mono">{field}</td>
                    <td className="break-all pr-2 text-red-800">{show(change.old)}</td>
                    <td className="break-all text-green-800">{show(change.new)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </li>
      ))}
    </ol>
  );
}

function DecisionsTable({ projectId, elementKey }: { projectId: string; elementKey: string | null }) {
  const decisions = useQuery({
    queryKey: keys.cacheDecisions(projectId, elementKey ?? ""),
    queryFn: () =>
      cacheApi<{ decisions: DecisionRecord[] }>(
        projectId,
        `/decisions${elementKey ? `?key=${encodeURIComponent(elementKey)}` : ""}`,
      ),
  });
  if (decisions.isPending) return <Loading what="decisions" />;
  if (decisions.isError) return <ErrorNote error={decisions.error} />;
  if (decisions.data.decisions.length === 0) return <Empty>No decisions recorded yet.</Empty>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Cache decisions, newest first</caption>
        <thead className="text-slate-700">
          <tr>
            <th className="pr-3">When</th>
            <th className="pr-3">Step</th>
            <th className="pr-3">Decision</th>
            <th className="pr-3">Why</th>
            <th className="pr-3">Run</th>
          </tr>
        </thead>
        <tbody>
          {decisions.data.decisions.map((d, i) => (
            <tr key={i} className="border-t border-slate-100 align-top" data-testid="cache-decision">
              <td className="whitespace-nowrap pr-3">{new Date(d.at).toLocaleTimeString()}</td>
              <td className="pr-3">{d.instruction}</td>
              <td className="whitespace-nowrap pr-3">
                <Decision decision={d.decision} confidence={d.confidence} />
              </td>
              <td className="pr-3 text-slate-700">{d.reasons.join("; ")}</td>
              <td className="pr-3">
                {d.run_id ? (
                  <Link className="font-mono text-blue-800 underline" href={`/runs/view/?id=${d.run_id}`}>
                    {d.run_id.slice(0, 8)}
                  </Link>
                ) : (
                  "–"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CachePage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const elements = useQuery({
    queryKey: keys.cacheElements(projectId ?? "", status),
    queryFn: () =>
      cacheApi<{ elements: CachedElement[] }>(projectId ?? "", `/elements${status ? `?status=${status}` : ""}`),
    enabled: ready && !!projectId,
  });
  const stats = useQuery({
    queryKey: keys.cacheStats(projectId ?? ""),
    queryFn: () => cacheApi<CacheStats>(projectId ?? "", "/stats"),
    enabled: ready && !!projectId,
  });
  const invalidate = useMutation({
    mutationFn: (key: string) =>
      cacheApi<null>(projectId ?? "", "/element/invalidate", { method: "POST", body: JSON.stringify({ key }) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.cacheAll(projectId ?? "") }),
  });

  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  const byRoute = new Map<string, CachedElement[]>();
  for (const element of elements.data?.elements ?? []) {
    byRoute.set(element.route, [...(byRoute.get(element.route) ?? []), element]);
  }
  const chosen = elements.data?.elements.find((e) => e.key === selected) ?? null;

  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/runs/?project=${projectId}`} className="text-sm text-blue-800 underline">
          ← Runs
        </Link>
        <h1 className="text-2xl font-semibold">Element cache</h1>
      </div>
      {stats.data && (
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5" aria-label="Cache statistics">
          {[
            ["Elements", stats.data.entries],
            ["Lookups", stats.data.lookups],
            // docs/element-cache.md "Hit rate": hits over lookups, over all the store recorded.
            ["Hit rate (all lookups)", stats.data.lookups ? `${Math.round(stats.data.hit_rate * 100)} %` : "–"],
            ["Healed", stats.data.heals],
            ["Resolver calls", stats.data.resolver_calls],
          ].map(([label, value]) => (
            <div key={String(label)} className="rounded border border-slate-200 bg-white p-3">
              <dt className="text-xs text-slate-600">{label}</dt>
              <dd className="text-xl font-semibold">{value}</dd>
            </div>
          ))}
        </dl>
      )}
      <ErrorNote error={invalidate.error} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Cached elements by page">
          <label className="mb-3 flex flex-col text-sm">
            Status
            <select className="rounded border border-slate-400 bg-white px-2 py-1.5" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">any</option>
              <option>active</option>
              <option>deprecated</option>
              <option>invalidated</option>
            </select>
          </label>
          {elements.isPending && <Loading what="cached elements" />}
          {elements.isError && <ErrorNote error={elements.error} />}
          {elements.data?.elements.length === 0 && <Empty>Nothing cached yet: run a suite that uses ai.act().</Empty>}
          {[...byRoute.entries()].map(([route, list]) => (
            <section key={route} className="mb-4">
              <h3 className="break-all font-mono text-sm font-semibold">{route || "/"}</h3>
              <ul className="mt-1 flex flex-col gap-1">
                {list.map((element) => (
                  <li key={element.key} className="flex flex-wrap items-center gap-2" data-testid="cache-element">
                    <button
                      type="button"
                      className="text-left text-blue-800 underline"
                      aria-pressed={selected === element.key}
                      onClick={() => setSelected(element.key)}
                    >
                      {element.instruction}
                    </button>
                    <StatusBadge status={element.status} />
                    <span className="text-xs text-slate-600">
                      v{element.version} · {element.stats.uses} uses
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </Card>
        <Card title={chosen ? `“${chosen.instruction}”` : "Element"}>
          {!chosen ? (
            <Empty>Choose an element to see its selectors, versions and decisions.</Empty>
          ) : (
            <div className="flex flex-col gap-4">
              <div>
                <h3 className="font-semibold">Selectors, most robust first</h3>
                <ul className="text-sm">
                  {chosen.selectors.map((s, i) => (
                    <li key={i} className="break-all font-mono">
                      {s.kind}: {s.value}
                    </li>
                  ))}
                </ul>
              </div>
              {chosen.status !== "invalidated" && (
                <Button
                  type="button"
                  variant="danger"
                  busy={invalidate.isPending}
                  onClick={() => invalidate.mutate(chosen.key)}
                >
                  Invalidate this element
                </Button>
              )}
              <div>
                <h3 className="font-semibold">Versions</h3>
                <Versions projectId={projectId} element={chosen} />
              </div>
            </div>
          )}
        </Card>
      </div>
      <Card title={chosen ? "Decisions for this element" : "Recent decisions"}>
        <DecisionsTable projectId={projectId} elementKey={selected} />
      </Card>
    </div>
  );
}

export default withSuspense(CachePage);
