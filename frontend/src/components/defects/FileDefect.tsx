"use client";
// "File a defect" for one failed result: a GitHub issue or a local defect (the project's
// tracker decides), or the failure linked to the open defect with the same test and a
// similar error.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { api } from "@/api/client";
import { qaKeys } from "@/api/queries/qa";
import { Button, ErrorNote } from "@/components/ui";
import { unwrap } from "@/lib/errors";

const SEVERITIES = ["critical", "major", "minor", "trivial"] as const;
type Severity = (typeof SEVERITIES)[number];

export function FileDefect({ projectId, runTestId }: { projectId: string; runTestId: string }) {
  const queryClient = useQueryClient();
  const [severity, setSeverity] = useState<Severity>("major");
  const file = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/projects/{project_id}/defects", {
          params: { path: { project_id: projectId } },
          body: { run_test_id: runTestId, severity },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: qaKeys.projectDefectsAll(projectId) }),
  });
  if (file.data) {
    const d = file.data;
    return (
      <p className="mt-2 text-sm" role="status" data-testid="defect-filed">
        {d.linked ? "Linked to the open defect " : "Filed "}
        <Link href={`/defects/view/?id=${d.id}`} className="text-blue-800 underline">
          {d.key}
        </Link>
        {d.tracker === "github" ? " (a GitHub issue follows)" : " (local defect)"}.
      </p>
    );
  }
  return (
    <form
      className="mt-2 flex flex-wrap items-end gap-2"
      aria-label="File a defect"
      onSubmit={(e) => {
        e.preventDefault();
        file.mutate();
      }}
    >
      <label className="flex flex-col text-xs">
        Severity
        <select className="rounded border border-slate-400 bg-white px-2 py-1" value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
          {SEVERITIES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <Button variant="secondary" busy={file.isPending}>
        File a defect
      </Button>
      {file.isError && <ErrorNote error={file.error} />}
    </form>
  );
}
