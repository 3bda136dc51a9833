// Reads of defects and milestones (issue #15): keys under the project or the object, so
// invalidating keys.project(id).all-style prefixes refreshes them with the rest.
import { queryOptions } from "@tanstack/react-query";
import { api } from "@/api/client";
import type { paths } from "@/api/schema";
import { unwrap } from "@/lib/errors";

export type DefectsQuery = NonNullable<paths["/api/projects/{project_id}/defects"]["get"]["parameters"]["query"]>;

export const qaKeys = {
  projectDefects: (projectId: string, filter: object = {}) => ["project", projectId, "defects", filter] as const,
  projectDefectsAll: (projectId: string) => ["project", projectId, "defects"] as const,
  defectSettings: (projectId: string) => ["project", projectId, "defect-settings"] as const,
  defect: (defectId: string) => ["defect", defectId] as const,
  projectMilestones: (projectId: string) => ["project", projectId, "milestones"] as const,
  projectMilestonesTrend: (projectId: string) => ["project", projectId, "milestones", "trend"] as const,
  milestone: (milestoneId: string) => ["milestone", milestoneId] as const,
  milestonePart: (milestoneId: string, part: string) => ["milestone", milestoneId, part] as const,
};

const inProject = (projectId: string) => ({ params: { path: { project_id: projectId } } });
const ofMilestone = (milestoneId: string) => ({ params: { path: { milestone_id: milestoneId } } });

export const qaQueries = {
  projectDefects: (projectId: string, filter: DefectsQuery = {}) =>
    queryOptions({
      queryKey: qaKeys.projectDefects(projectId, filter),
      queryFn: async () =>
        unwrap(await api.GET("/api/projects/{project_id}/defects", { params: { path: { project_id: projectId }, query: filter } })),
    }),
  defectSettings: (projectId: string) =>
    queryOptions({
      queryKey: qaKeys.defectSettings(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/defect-settings", inProject(projectId))),
    }),
  defect: (defectId: string) =>
    queryOptions({
      queryKey: qaKeys.defect(defectId),
      queryFn: async () => unwrap(await api.GET("/api/defects/{defect_id}", { params: { path: { defect_id: defectId } } })),
    }),
  projectMilestones: (projectId: string) =>
    queryOptions({
      queryKey: qaKeys.projectMilestones(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/milestones", inProject(projectId))),
    }),
  projectMilestonesTrend: (projectId: string) =>
    queryOptions({
      queryKey: qaKeys.projectMilestonesTrend(projectId),
      queryFn: async () => unwrap(await api.GET("/api/projects/{project_id}/milestones/trend", inProject(projectId))),
    }),
  milestone: (milestoneId: string) =>
    queryOptions({
      queryKey: qaKeys.milestone(milestoneId),
      queryFn: async () => unwrap(await api.GET("/api/milestones/{milestone_id}", ofMilestone(milestoneId))),
    }),
  milestoneBurndown: (milestoneId: string) =>
    queryOptions({
      queryKey: qaKeys.milestonePart(milestoneId, "burndown"),
      queryFn: async () => unwrap(await api.GET("/api/milestones/{milestone_id}/burndown", ofMilestone(milestoneId))),
    }),
  milestoneWorkload: (milestoneId: string) =>
    queryOptions({
      queryKey: qaKeys.milestonePart(milestoneId, "workload"),
      queryFn: async () => unwrap(await api.GET("/api/milestones/{milestone_id}/workload", ofMilestone(milestoneId))),
    }),
  milestoneCoverage: (milestoneId: string) =>
    queryOptions({
      queryKey: qaKeys.milestonePart(milestoneId, "coverage"),
      queryFn: async () => unwrap(await api.GET("/api/milestones/{milestone_id}/coverage", ofMilestone(milestoneId))),
    }),
  milestoneReport: (milestoneId: string) =>
    queryOptions({
      queryKey: qaKeys.milestonePart(milestoneId, "report"),
      queryFn: async () => unwrap(await api.GET("/api/milestones/{milestone_id}/report", ofMilestone(milestoneId))),
    }),
};
