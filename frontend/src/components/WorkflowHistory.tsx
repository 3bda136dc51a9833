"use client";
// A workflow's version history with the changed paths of each version, and the next
// slots of its schedule as the api computes them (time zone and daylight saving included).
import { useQuery } from "@tanstack/react-query";
import { queries } from "@/api/queries";
import { Empty, ErrorNote, Loading } from "@/components/ui";
import { ConfigSummary } from "@/components/workflows/ConfigSummary";
import type { Json } from "@/lib/paths";

const show = (value: unknown) => (value === undefined ? "" : JSON.stringify(value));

export function VersionHistory({ workflowId, version }: { workflowId: string; version: number }) {
  const versions = useQuery(queries.workflowVersions(workflowId, version));
  if (versions.isPending) return <Loading what="the version history" />;
  if (versions.isError) return <ErrorNote error={versions.error} />;
  const newestFirst = [...versions.data].sort((a, b) => b.version - a.version);
  return (
    <ol aria-label="Versions" className="flex flex-col gap-3 text-sm">
      {newestFirst.map((v) => (
        <li key={v.version} data-testid="workflow-version" className="rounded border border-slate-200 p-2">
          <p className="font-medium">
            Version {v.version} · {new Date(v.changed_at).toLocaleString()}
          </p>
          {v.version === 1 ? (
            // The first version's "diff" is the whole document: show it as settings.
            <>
              <p className="text-slate-600">Created with these settings:</p>
              <ConfigSummary config={v.config as Json} />
            </>
          ) : v.diff.length === 0 ? (
            <p className="text-slate-600">No changes recorded.</p>
          ) : (
            <ul className="mt-1 flex flex-col gap-1">
              {v.diff.map((change, i) => {
                const c = change as { path?: string; op?: string; old?: unknown; new?: unknown };
                return (
                  <li key={i} className="break-all font-mono text-xs">
                    {c.op === "add" ? "+" : c.op === "remove" ? "−" : "~"} {c.path}
                    {c.op !== "add" && <span className="text-red-800"> was {show(c.old)}</span>}
                    {c.op !== "remove" && <span className="text-green-800"> now {show(c.new)}</span>}
                  </li>
                );
              })}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
}

export function SchedulePreview({ workflowId, version }: { workflowId: string; version: number }) {
  const preview = useQuery(queries.workflowSchedule(workflowId, version));
  if (preview.isPending) return <Loading what="the next scheduled runs" />;
  if (preview.isError) return <ErrorNote error={preview.error} />;
  if (preview.data.next_slots.length === 0) return <Empty>This schedule never fires.</Empty>;
  return (
    <div className="text-sm">
      <p>
        <code>{preview.data.cron}</code> in {preview.data.timezone}; the next runs:
      </p>
      <ul aria-label="Next scheduled runs" className="ml-5 list-disc">
        {preview.data.next_slots.map((slot) => (
          <li key={slot}>
            <time dateTime={slot}>{new Date(slot).toLocaleString()}</time>
          </li>
        ))}
      </ul>
    </div>
  );
}
