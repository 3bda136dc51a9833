// Reads of test cases, suites, custom fields, plans and plan runs (issue #15). Keys sit under
// the project or the object, so invalidating ["project", id, "cases"] refreshes every list.
import { queryOptions } from "@tanstack/react-query";
import { api } from "@/api/client";
import type { paths } from "@/api/schema";
import { unwrap } from "@/lib/errors";

export type CasesQuery = NonNullable<paths["/api/projects/{project_id}/cases"]["get"]["parameters"]["query"]>;

export const caseKeys = {
  projectCases: (projectId: string, filter: object = {}) => ["project", projectId, "cases", filter] as const,
  projectCasesAll: (projectId: string) => ["project", projectId, "cases"] as const,
  suites: (projectId: string) => ["project", projectId, "case-suites"] as const,
  fields: (projectId: string) => ["project", projectId, "case-fields"] as const,
  filters: (projectId: string) => ["project", projectId, "case-filters"] as const,
  settings: (projectId: string) => ["project", projectId, "case-settings"] as const,
  plans: (projectId: string) => ["project", projectId, "plans"] as const,
  planRuns: (projectId: string) => ["project", projectId, "plan-runs"] as const,
  testCase: (caseId: string) => ["case", caseId] as const,
  casePart: (caseId: string, part: string) => ["case", caseId, part] as const,
  planRun: (planRunId: string) => ["plan-run", planRunId] as const,
};

const inProject = (projectId: string) => ({ params: { path: { project_id: projectId } } });
const ofCase = (caseId: string) => ({ params: { path: { case_id: caseId } } });

export const caseQueries = {
  projectCases: (projectId: string, filter: CasesQuery = {}) =>
    queryOptions({
      queryKey: caseKeys.projectCases(projectId, filter),
      queryFn: async () =>
        unwrap(await api.GET("/api/projects/{project_id}/cases", { params: { path: { project_id: projectId }, query: filter } })),
    }),
  suites: (projectId: string) =>
    queryOptions({
      queryKey: caseKeys.suites(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/suites", inProject(projectId))),
    }),
  fields: (projectId: string) =>
    queryOptions({
      queryKey: caseKeys.fields(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/case-fields", inProject(projectId))),
    }),
  filters: (projectId: string) =>
    queryOptions({
      queryKey: caseKeys.filters(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/case-filters", inProject(projectId))),
    }),
  settings: (projectId: string) =>
    queryOptions({
      queryKey: caseKeys.settings(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/case-settings", inProject(projectId))),
    }),
  plans: (projectId: string) =>
    queryOptions({
      queryKey: caseKeys.plans(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/plans", inProject(projectId))),
    }),
  planRuns: (projectId: string) =>
    queryOptions({
      queryKey: caseKeys.planRuns(projectId),
      queryFn: async () =>
        unwrap(await api.GET("/api/projects/{project_id}/plan-runs", { params: { path: { project_id: projectId } } })),
    }),
  testCase: (caseId: string) =>
    queryOptions({
      queryKey: caseKeys.testCase(caseId),
      queryFn: async () => unwrap(await api.GET("/api/cases/{case_id}", ofCase(caseId))),
    }),
  caseVersions: (caseId: string) =>
    queryOptions({
      queryKey: caseKeys.casePart(caseId, "versions"),
      queryFn: async () => unwrap(await api.GET("/api/cases/{case_id}/versions", ofCase(caseId))),
    }),
  caseHistory: (caseId: string) =>
    queryOptions({
      queryKey: caseKeys.casePart(caseId, "history"),
      queryFn: async () => unwrap(await api.GET("/api/cases/{case_id}/history", ofCase(caseId))),
    }),
  planRun: (planRunId: string) =>
    queryOptions({
      queryKey: caseKeys.planRun(planRunId),
      queryFn: async () =>
        unwrap(await api.GET("/api/plan-runs/{plan_run_id}", { params: { path: { plan_run_id: planRunId } } })),
    }),
};
