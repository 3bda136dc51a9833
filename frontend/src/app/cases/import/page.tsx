"use client";
// CSV import of test cases (TestRail / Qase columns, custom fields by name): preview first
// (nothing stored), every problem with its line and column; the import stores all rows
// or none.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { api, type Schemas } from "@/api/client";
import { caseKeys } from "@/api/queries/cases";
import { withSuspense } from "@/components/Page";
import { Button, Card, ErrorNote, Loading } from "@/components/ui";
import { ApiError, toApiError } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

type ImportResult = Schemas["CaseImportResult"];
type Problem = Schemas["CaseImportProblem"];

class ImportRefused extends Error {
  constructor(
    message: string,
    readonly problems: Problem[],
  ) {
    super(message);
  }
}

function Problems({ problems }: { problems: Problem[] }) {
  return (
    <table className="w-full text-left text-sm" aria-label="Problems">
      <thead>
        <tr className="border-b border-slate-200">
          <th>Line</th>
          <th>Column</th>
          <th>Problem</th>
        </tr>
      </thead>
      <tbody>
        {problems.map((p, i) => (
          <tr key={i} className="border-b border-slate-100 text-red-800">
            <td>{p.line}</td>
            <td>{p.column ?? "—"}</td>
            <td>{p.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ImportPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const run = useMutation({
    mutationFn: async (dryRun: boolean): Promise<ImportResult> => {
      const result = await api.POST("/api/projects/{project_id}/cases/import", {
        params: { path: { project_id: projectId ?? "" } },
        body: { csv: text, dry_run: dryRun },
      });
      if (result.response.ok && result.data) return result.data;
      const body = result.error as { message?: string; error?: string; details?: unknown } | undefined;
      if (body?.error === "import_invalid" && Array.isArray(body.details)) {
        throw new ImportRefused(body.message ?? "The import was refused.", body.details as Problem[]);
      }
      throw toApiError(body, result.response);
    },
    onSuccess: (result) => {
      if (!result.dry_run) void queryClient.invalidateQueries({ queryKey: caseKeys.projectCasesAll(projectId ?? "") });
    },
  });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen." />;
  const result = run.data;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/cases/?project=${projectId}`} className="text-sm text-blue-800 underline">
          ← Test cases
        </Link>
        <h1 className="text-2xl font-semibold">Import test cases from CSV</h1>
        <p className="text-sm text-slate-700">
          Columns: ID (TC-12 updates that case), Title, Suite, Section (A &gt; B), Preconditions, Steps, Expected Result,
          Priority, Type, Status, Owner (e-mail), Tags, Feature, References (id|url), Automation, and any custom field by
          its name. TestRail&apos;s and Qase&apos;s exports are read as they are.
        </p>
      </div>
      <Card title="CSV">
        <div className="flex flex-col gap-3">
          <label className="flex flex-col gap-1 text-sm font-medium">
            CSV contents
            <textarea
              className="h-48 rounded border border-slate-400 p-2 font-mono text-sm"
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                run.reset();
              }}
              placeholder={"Title,Priority,Steps,Expected Result\nLog in,high,Open /login,The form shows"}
            />
          </label>
          <label className="text-sm">
            Or choose a file{" "}
            <input
              type="file"
              accept=".csv,text/csv"
              onChange={async (e) => {
                const file = e.target.files?.[0];
                if (file) {
                  setText(await file.text());
                  run.reset();
                }
              }}
            />
          </label>
          <div className="flex gap-3">
            <Button type="button" variant="secondary" busy={run.isPending && run.variables === true} disabled={!text} onClick={() => run.mutate(true)}>
              Preview
            </Button>
            <Button
              type="button"
              busy={run.isPending && run.variables === false}
              disabled={!text || !result || !result.dry_run || result.problems.length > 0}
              onClick={() => run.mutate(false)}
            >
              Import
            </Button>
          </div>
        </div>
      </Card>
      {run.error instanceof ImportRefused && (
        <Card title="Nothing was imported">
          <p role="alert" className="mb-2 text-sm text-red-800">
            {run.error.message}
          </p>
          <Problems problems={run.error.problems} />
        </Card>
      )}
      {run.error instanceof ApiError && <ErrorNote error={run.error} />}
      {result && (
        <Card title={result.dry_run ? "Preview" : "Imported"}>
          <div aria-live="polite" className="flex flex-col gap-3 text-sm">
            {result.problems.length > 0 ? (
              <>
                <p className="text-red-800">Fix these before importing (nothing is stored until every row is valid):</p>
                <Problems problems={result.problems} />
              </>
            ) : (
              <p role="status">
                {result.dry_run ? "Would create" : "Created"} {result.dry_run ? result.rows.filter((r) => r.action === "create").length : result.created}, update{" "}
                {result.dry_run ? result.rows.filter((r) => r.action === "update").length : result.updated}.
              </p>
            )}
            {(result.ignored_columns ?? []).length > 0 && <p>Columns ignored: {(result.ignored_columns ?? []).join(", ")}.</p>}
            <ul>
              {result.rows.map((r) => (
                <li key={r.line}>
                  line {r.line}: {r.action} {r.key && <span className="font-mono">{r.key}</span>} {r.title}
                </li>
              ))}
            </ul>
          </div>
        </Card>
      )}
    </div>
  );
}

export default withSuspense(ImportPage);
