// The dashboard's reads: one query definition (key + fetcher) per api read, used as
// `useQuery({ ...queries.run(id), enabled })`. Pages keep only what is theirs (when to
// fetch, what to show); mutations invalidate through `keys`.
import { queryOptions } from "@tanstack/react-query";
import { api } from "@/api/client";
import type { paths } from "@/api/schema";
import { unwrap } from "@/lib/errors";
import { keys } from "./keys";

export { keys };

const project = (projectId: string) => ({ params: { path: { project_id: projectId } } });
const org = (orgId: string) => ({ params: { path: { org_id: orgId } } });

type RunsQuery = NonNullable<paths["/api/projects/{project_id}/runs"]["get"]["parameters"]["query"]>;
type WebhookDeliveriesQuery = NonNullable<paths["/api/orgs/{org_id}/github/deliveries"]["get"]["parameters"]["query"]>;

export interface AuditFilter {
  action?: string;
  actor?: string;
  since?: string;
  until?: string;
}

export const queries = {
  sessions: () =>
    queryOptions({ queryKey: keys.sessions(), queryFn: async () => unwrap(await api.GET("/api/auth/sessions")) }),
  outbox: () =>
    queryOptions({ queryKey: keys.outbox(), queryFn: async () => unwrap(await api.GET("/api/outbox", { params: { query: { limit: 50 } } })) }),
  // The local outbox exists in embedded mode only, and answers only this machine: the link
  // to it is shown only where it works.
  outboxAvailable: () =>
    queryOptions({
      queryKey: keys.outboxAvailable(),
      queryFn: async () => (await api.GET("/api/outbox", { params: { query: { limit: 1 } } })).response.ok,
      staleTime: Infinity,
      retry: false,
    }),

  orgs: () => queryOptions({ queryKey: keys.orgs(), queryFn: async () => unwrap(await api.GET("/api/orgs")) }),
  org: (orgId: string) =>
    queryOptions({ queryKey: keys.org(orgId), queryFn: async () => unwrap(await api.GET("/api/orgs/{org_id}", org(orgId))) }),
  orgMembers: (orgId: string) =>
    queryOptions({
      queryKey: keys.orgMembers(orgId),
      queryFn: async () => unwrap(await api.GET("/api/orgs/{org_id}/members", org(orgId))),
    }),
  orgInvitations: (orgId: string) =>
    queryOptions({
      queryKey: keys.orgInvitations(orgId),
      queryFn: async () => unwrap(await api.GET("/api/orgs/{org_id}/invitations", org(orgId))),
    }),
  orgProjects: (orgId: string) =>
    queryOptions({
      queryKey: keys.orgProjects(orgId),
      queryFn: async () => unwrap(await api.GET("/api/orgs/{org_id}/projects", org(orgId))),
    }),
  orgRepositories: (orgId: string, includeDisconnected: boolean) =>
    queryOptions({
      queryKey: [...keys.orgRepositories(orgId), includeDisconnected],
      queryFn: async () =>
        unwrap(
          await api.GET("/api/orgs/{org_id}/repositories", {
            params: { path: { org_id: orgId }, query: { include_disconnected: includeDisconnected } },
          }),
        ),
    }),
  orgWebhookDeliveries: (orgId: string, status: WebhookDeliveriesQuery["status"] | "", offset: number, limit: number) =>
    queryOptions({
      queryKey: keys.orgWebhookDeliveries(orgId, status ?? "", offset),
      queryFn: async () =>
        unwrap(
          await api.GET("/api/orgs/{org_id}/github/deliveries", {
            params: { path: { org_id: orgId }, query: { status: status || undefined, limit, offset } },
          }),
        ),
    }),
  auditPage: (orgId: string, filter: AuditFilter, before: string | null) => auditPage(orgId, filter, before),

  project: (projectId: string) =>
    queryOptions({
      queryKey: keys.project(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}", project(projectId))),
    }),
  projectInsights: (projectId: string) =>
    queryOptions({
      queryKey: keys.projectInsights(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/insights", project(projectId))),
    }),
  projectRuns: (projectId: string, filter: RunsQuery = {}) =>
    queryOptions({
      queryKey: keys.projectRuns(projectId, filter),
      queryFn: async () =>
        unwrap(await api.GET("/api/projects/{project_id}/runs", { params: { path: { project_id: projectId }, query: filter } })),
    }),
  // null when no repository is connected (the api's 404): a state, not an error.
  projectRepository: (projectId: string) =>
    queryOptions({
      queryKey: keys.projectRepository(projectId),
      queryFn: async () => {
        const result = await api.GET("/api/projects/{project_id}/repository", project(projectId));
        return result.response.status === 404 ? null : unwrap(result);
      },
    }),
  projectEnvvars: (projectId: string) =>
    queryOptions({
      queryKey: keys.projectEnvvars(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/envvars", project(projectId))),
    }),
  projectGithubSecrets: (projectId: string) =>
    queryOptions({
      queryKey: keys.projectGithubSecrets(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/envvars/github-secrets", project(projectId))),
    }),

  repositoryWorkflows: (repositoryId: string) =>
    queryOptions({
      queryKey: keys.repositoryWorkflows(repositoryId),
      queryFn: async () =>
        unwrap(await api.GET("/api/repositories/{repository_id}/workflows", { params: { path: { repository_id: repositoryId } } })),
    }),
  workflowVersions: (workflowId: string, version: number) =>
    queryOptions({
      queryKey: keys.workflowVersions(workflowId, version),
      queryFn: async () =>
        unwrap(await api.GET("/api/workflows/{workflow_id}/versions", { params: { path: { workflow_id: workflowId } } })),
    }),
  workflowSchedule: (workflowId: string, version: number) =>
    queryOptions({
      queryKey: keys.workflowSchedule(workflowId, version),
      queryFn: async () =>
        unwrap(await api.GET("/api/workflows/{workflow_id}/schedule", { params: { path: { workflow_id: workflowId } } })),
    }),

  run: (runId: string) =>
    queryOptions({
      queryKey: keys.run(runId),
      queryFn: async () => unwrap(await api.GET("/api/runs/{run_id}", { params: { path: { run_id: runId } } })),
    }),
  runDeliveries: (runId: string) =>
    queryOptions({
      queryKey: keys.runDeliveries(runId),
      queryFn: async () => unwrap(await api.GET("/api/runs/{run_id}/deliveries", { params: { path: { run_id: runId } } })),
    }),
};

async function auditPage(orgId: string, filter: AuditFilter, before: string | null) {
  return unwrap(
    await api.GET("/api/orgs/{org_id}/audit-log", {
      params: {
        path: { org_id: orgId },
        query: {
          limit: 50,
          before: before ?? undefined,
          action: filter.action || undefined,
          actor: filter.actor || undefined,
          since: filter.since || undefined,
          until: filter.until || undefined,
        },
      },
    }),
  );
}
