"use client";
// The first steps of a new project, each ticked off once the api says it is done.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { api } from "@/api/client";
import { Card } from "@/components/ui";
import { queries } from "@/api/queries";

export function Onboarding({ projectId, hasRuns }: { projectId: string; hasRuns: boolean }) {
  const repository = useQuery({
    ...queries.projectRepository(projectId),
  });
  const repositoryId = repository.data?.id ?? "";
  const workflows = useQuery({
    ...queries.repositoryWorkflows(repositoryId),
    enabled: !!repositoryId,
  });
  const variables = useQuery({
    ...queries.projectEnvvars(projectId),
  });
  const steps = [
    { done: !!repository.data, label: "Connect the repository", href: `/workflows/?project=${projectId}` },
    { done: (workflows.data?.length ?? 0) > 0, label: "Configure a workflow", href: `/workflows/?project=${projectId}` },
    { done: (variables.data?.length ?? 0) > 0, label: "Add environment variables", href: `/envvars/?project=${projectId}` },
    { done: hasRuns, label: "Start the first run and watch it live", href: null },
  ];
  if (steps.every((s) => s.done)) return null;
  return (
    <Card title="Getting started">
      <ol className="flex flex-col gap-1">
        {steps.map((step, i) => (
          <li key={step.label} className="flex items-center gap-2">
            <span aria-hidden="true" className={step.done ? "text-green-700" : "text-slate-500"}>
              {step.done ? "✓" : `${i + 1}.`}
            </span>
            {step.href && !step.done ? (
              <Link href={step.href} className="text-blue-800 underline">
                {step.label}
              </Link>
            ) : (
              <span className={step.done ? "text-slate-600 line-through" : ""}>{step.label}</span>
            )}
            <span className="sr-only">{step.done ? "(done)" : "(to do)"}</span>
          </li>
        ))}
      </ol>
    </Card>
  );
}
