// Every query key of the dashboard, in one place. Keys are hierarchical: invalidating a
// prefix (keys.project(id).all) refreshes everything under it, and two pages asking for the
// same data share one cache entry (they used to spell the same key differently, and the
// organisation's webhook deliveries and a run's report deliveries both used "deliveries").
export const keys = {
  me: () => ["me"] as const,
  sessions: () => ["sessions"] as const,
  outbox: () => ["outbox"] as const,
  outboxAvailable: () => ["outbox", "available"] as const,

  orgs: () => ["orgs"] as const,
  org: (orgId: string) => ["org", orgId] as const,
  orgMembers: (orgId: string) => ["org", orgId, "members"] as const,
  orgInvitations: (orgId: string) => ["org", orgId, "invitations"] as const,
  orgProjects: (orgId: string) => ["org", orgId, "projects"] as const,
  orgRepositories: (orgId: string) => ["org", orgId, "repositories"] as const,
  orgAudit: (orgId: string, filter: object = {}) => ["org", orgId, "audit", filter] as const,
  orgAuditAll: (orgId: string) => ["org", orgId, "audit"] as const,
  orgWebhookDeliveries: (orgId: string, status = "", offset = 0) =>
    ["org", orgId, "webhook-deliveries", status, offset] as const,
  orgWebhookDeliveriesAll: (orgId: string) => ["org", orgId, "webhook-deliveries"] as const,

  project: (projectId: string) => ["project", projectId] as const,
  projectInsights: (projectId: string) => ["project", projectId, "insights"] as const,
  projectRuns: (projectId: string, filter: object = {}) => ["project", projectId, "runs", filter] as const,
  projectRunsAll: (projectId: string) => ["project", projectId, "runs"] as const,
  projectRepository: (projectId: string) => ["project", projectId, "repository"] as const,
  projectEnvvars: (projectId: string) => ["project", projectId, "envvars"] as const,
  projectGithubSecrets: (projectId: string) => ["project", projectId, "github-secrets"] as const,
  cacheStats: (projectId: string) => ["project", projectId, "cache", "stats"] as const,
  cacheElements: (projectId: string, status: string) => ["project", projectId, "cache", "elements", status] as const,
  cacheVersions: (projectId: string, key: string) => ["project", projectId, "cache", "versions", key] as const,
  cacheDecisions: (projectId: string, key: string) => ["project", projectId, "cache", "decisions", key] as const,
  cacheAll: (projectId: string) => ["project", projectId, "cache"] as const,

  repositoryWorkflows: (repositoryId: string) => ["repository", repositoryId, "workflows"] as const,
  workflowsAll: () => ["repository"] as const,
  workflowVersions: (workflowId: string, version: number) => ["workflow", workflowId, "versions", version] as const,
  workflowSchedule: (workflowId: string, version: number) => ["workflow", workflowId, "schedule", version] as const,

  run: (runId: string) => ["run", runId] as const,
  runDeliveries: (runId: string) => ["run", runId, "report-deliveries"] as const,
};
