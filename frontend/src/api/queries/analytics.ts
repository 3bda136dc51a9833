// The analytics reads (/api/projects/{id}/analytics/…) and their keys: one query definition
// per read, as in ./index.ts. Every key sits under keys.project(id) + "analytics", so a
// quarantine or a triage refreshes them all with analyticsKeys.all(projectId).
import { queryOptions } from "@tanstack/react-query";
import { api, type Schemas } from "@/api/client";
import type { paths } from "@/api/schema";
import { unwrap } from "@/lib/errors";

const BASE = "/api/projects/{project_id}/analytics";
type Query<P extends keyof paths> = paths[P] extends { get: { parameters: { query?: infer Q } } } ? NonNullable<Q> : never;

export type TestsQuery = Omit<Query<`${typeof BASE}/tests`>, "limit" | "offset">;
export type HistoryQuery = Omit<Query<`${typeof BASE}/tests/history`>, "test" | "limit" | "offset">;
export type TestItem = Schemas["TestItem"];
export type FlakyItem = Schemas["FlakyItem"];
export type HistoryItem = Schemas["HistoryItem"];
export type TestStatus = Schemas["TestStatus"];
export type Comparison = Schemas["Comparison"];
export type Trends = Schemas["Trends"];
export type ClusterItem = Schemas["ClusterItem"];
export type Decision = NonNullable<ClusterItem["decision"]>;

export const DECISIONS: { value: Decision; label: string }[] = [
  { value: "product_bug", label: "Product bug" },
  { value: "automation_bug", label: "Automation bug" },
  { value: "environment", label: "Environment" },
  { value: "to_investigate", label: "To investigate" },
];

export const analyticsKeys = {
  all: (projectId: string) => ["project", projectId, "analytics"] as const,
  tests: (projectId: string, filter: object, offset: number) =>
    ["project", projectId, "analytics", "tests", filter, offset] as const,
  history: (projectId: string, test: string, filter: object) =>
    ["project", projectId, "analytics", "history", test, filter] as const,
  status: (projectId: string, test: string) => ["project", projectId, "analytics", "status", test] as const,
  compare: (projectId: string, base: string, head: string) =>
    ["project", projectId, "analytics", "compare", base, head] as const,
  trends: (projectId: string, test: string, bucket: string) =>
    ["project", projectId, "analytics", "trends", test, bucket] as const,
  flaky: (projectId: string) => ["project", projectId, "analytics", "flaky"] as const,
  quarantine: (projectId: string) => ["project", projectId, "analytics", "quarantine"] as const,
  clusters: (projectId: string, decision: string) => ["project", projectId, "analytics", "clusters", decision] as const,
  cost: (projectId: string) => ["project", projectId, "analytics", "cost"] as const,
};

const path = (projectId: string) => ({ project_id: projectId });

export const analytics = {
  tests: (projectId: string, filter: TestsQuery, offset = 0, limit = 50) =>
    queryOptions({
      queryKey: analyticsKeys.tests(projectId, filter, offset),
      queryFn: async () =>
        unwrap(await api.GET(`${BASE}/tests`, { params: { path: path(projectId), query: { ...filter, limit, offset } } })),
    }),
  history: (projectId: string, test: string, filter: HistoryQuery = {}) =>
    queryOptions({
      queryKey: analyticsKeys.history(projectId, test, filter),
      queryFn: async () =>
        unwrap(
          await api.GET(`${BASE}/tests/history`, {
            params: { path: path(projectId), query: { ...filter, test, limit: 200 } },
          }),
        ),
    }),
  status: (projectId: string, test: string) =>
    queryOptions({
      queryKey: analyticsKeys.status(projectId, test),
      queryFn: async () =>
        unwrap(await api.GET(`${BASE}/tests/status`, { params: { path: path(projectId), query: { test } } })),
    }),
  compare: (projectId: string, base: string, head: string) =>
    queryOptions({
      queryKey: analyticsKeys.compare(projectId, base, head),
      queryFn: async () =>
        unwrap(await api.GET(`${BASE}/compare`, { params: { path: path(projectId), query: { base, head } } })),
    }),
  trends: (projectId: string, test: string, bucket: "day" | "week") =>
    queryOptions({
      queryKey: analyticsKeys.trends(projectId, test, bucket),
      queryFn: async () =>
        unwrap(
          await api.GET(`${BASE}/trends`, {
            params: { path: path(projectId), query: { test: test || undefined, bucket } },
          }),
        ),
    }),
  flaky: (projectId: string) =>
    queryOptions({
      queryKey: analyticsKeys.flaky(projectId),
      queryFn: async () =>
        unwrap(await api.GET(`${BASE}/flaky`, { params: { path: path(projectId), query: { limit: 200 } } })),
    }),
  quarantine: (projectId: string) =>
    queryOptions({
      queryKey: analyticsKeys.quarantine(projectId),
      queryFn: async () =>
        unwrap(await api.GET(`${BASE}/quarantine`, { params: { path: path(projectId), query: { limit: 500 } } })),
    }),
  clusters: (projectId: string, decision: string) =>
    queryOptions({
      queryKey: analyticsKeys.clusters(projectId, decision),
      queryFn: async () =>
        unwrap(
          await api.GET(`${BASE}/clusters`, {
            params: {
              path: path(projectId),
              query: {
                decision: (decision || undefined) as Query<`${typeof BASE}/clusters`>["decision"],
                limit: 200,
              },
            },
          }),
        ),
    }),
  cost: (projectId: string) =>
    queryOptions({
      queryKey: analyticsKeys.cost(projectId),
      queryFn: async () => unwrap(await api.GET(`${BASE}/cost`, { params: { path: path(projectId) } })),
    }),
};

// Writes: each returns the api's answer or throws an ApiError in plain words.
export const analyticsWrites = {
  quarantine: async (projectId: string, test: string, reason: string) =>
    unwrap(await api.POST(`${BASE}/quarantine`, { params: { path: path(projectId) }, body: { test, reason } })),
  release: async (projectId: string, test: string) =>
    unwrap(await api.DELETE(`${BASE}/quarantine`, { params: { path: path(projectId), query: { test } } })),
  decide: async (projectId: string, clusterId: string, decision: Decision | null, note: string | null) =>
    unwrap(
      await api.PUT(`${BASE}/clusters/{cluster_id}`, {
        params: { path: { project_id: projectId, cluster_id: clusterId } },
        body: { decision, note },
      }),
    ),
};
