// A workflow configuration in words (a version's whole configuration, e.g. version 1,
// which is otherwise one "added" change holding the whole document as JSON).
import { getPath, type Json } from "@/lib/paths";

function words(config: Json): [string, string][] {
  const get = (path: string) => getPath(config, path);
  const on = (path: string) => Boolean(get(path));
  const list = (path: string) => ((get(path) as string[] | undefined) ?? []).join(", ");
  const triggers = [
    on("triggers.push") && "pushes",
    on("triggers.pull_request") && (on("triggers.include_drafts") ? "pull requests (drafts too)" : "pull requests"),
    on("triggers.manual") && "by hand",
    get("triggers.schedule") &&
      `on a schedule (${String(get("triggers.schedule.cron"))}, ${String(get("triggers.schedule.timezone") ?? "UTC")})`,
  ].filter(Boolean) as string[];
  const labels = list("triggers.required_labels");
  const strategy = String(get("branches.strategy") ?? "all");
  const branches =
    strategy === "list"
      ? `only ${list("branches.include") || "(none listed)"}`
      : strategy === "protected"
        ? "protected branches"
        : "all branches";
  const excluded = list("branches.exclude");
  const destinations = ((get("reporting.destinations") as { type: string }[] | undefined) ?? []).map((d) => d.type);
  const timeout = get("execution.timeout");
  const execution = [
    timeout ? `time limit ${String(timeout)} s` : "no time limit",
    `${String(get("execution.retries") ?? 0)} retries`,
    on("execution.parallel") ? `in parallel (${String(get("execution.max_workers") ?? "auto")} workers)` : "one at a time",
    on("execution.cache") ? "element cache on" : "element cache off",
    get("execution.test_path") ? `tests in ${String(get("execution.test_path"))}` : null,
    get("execution.markers") ? `markers ${String(get("execution.markers"))}` : null,
    get("execution.keyword") ? `keyword ${String(get("execution.keyword"))}` : null,
  ].filter(Boolean) as string[];
  const environment = [
    get("environment.name") ? `environment ${String(get("environment.name"))}` : "default environment",
    list("environment.required") && `requires ${list("environment.required")}`,
  ].filter(Boolean) as string[];
  return [
    ["Runs on", triggers.length ? triggers.join(", ") + (labels ? `; pull requests labelled ${labels}` : "") : "nothing (no trigger on)"],
    ["Branches", excluded ? `${branches}, except ${excluded}` : branches],
    ["Reports to", destinations.length ? destinations.join(", ") : "nowhere but the dashboard"],
    ["Environment", environment.join("; ")],
    ["Execution", execution.join(", ")],
  ];
}

export function ConfigSummary({ config }: { config: Json }) {
  return (
    <dl className="mt-1 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-0.5" data-testid="workflow-config-summary">
      {words(config).map(([name, value]) => (
        <div key={name} className="contents">
          <dt className="text-slate-600">{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
