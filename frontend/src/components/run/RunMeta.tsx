// Where a run came from and how long it took: branch, commit, trigger, who, when.
import Link from "next/link";
import type { RunDetail } from "@/api/client";

const TRIGGERS: Record<string, string> = {
  manual: "started by hand",
  push: "a push",
  pull_request: "a pull request",
  schedule: "a schedule",
};

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "–";
}

export function RunMeta({ run }: { run: RunDetail }) {
  const rows: [string, React.ReactNode][] = [
    ["Trigger", TRIGGERS[run.trigger] ?? run.trigger],
    ["Branch", run.branch ?? "default branch"],
    ["Commit", run.commit_sha ? <span className="font-mono">{run.commit_sha.slice(0, 12)}</span> : "–"],
    ["Started by", run.started_by ?? (run.trigger === "manual" ? "no account (testable run)" : "TestAble")],
    ["Queued", when(run.queued_at)],
    ["Finished", when(run.finished_at)],
    ["Duration", run.duration !== null ? `${run.duration.toFixed(1)} s` : "–"],
  ];
  if (run.pr_number !== null) rows.splice(2, 0, ["Pull request", `#${run.pr_number}`]);
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr_max-content_1fr]" data-testid="run-meta">
      {rows.map(([name, value]) => (
        <div key={name} className="contents">
          <dt className="text-slate-600">{name}</dt>
          <dd data-testid={`run-meta-${name.toLowerCase().replace(/ /g, "-")}`}>{value}</dd>
        </div>
      ))}
      {run.rerun_of_id && (
        <div className="contents">
          <dt className="text-slate-600">Re-run of</dt>
          <dd>
            <Link href={`/runs/view/?id=${run.rerun_of_id}`} className="font-mono text-blue-800 underline">
              {run.rerun_of_id.slice(0, 8)}
            </Link>
          </dd>
        </div>
      )}
    </dl>
  );
}
