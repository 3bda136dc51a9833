// A step's cache decision in words and colour (never colour alone: the word is shown).
// A step the resolver decided names it: "local" is the offline resolver, so no step is
// called "asked the AI" unless a model resolver (llm, stagehand) decided it.
const DECISIONS: Record<string, { label: string; className: string }> = {
  cache_hit: { label: "cache hit", className: "bg-green-100 text-green-900" },
  verified: { label: "verified", className: "bg-teal-100 text-teal-900" },
  cache_hit_verified: { label: "cache hit, verified", className: "bg-teal-100 text-teal-900" },
  healed: { label: "healed", className: "bg-amber-100 text-amber-900" },
  resolver: { label: "resolver", className: "bg-violet-100 text-violet-900" },
  failed: { label: "failed", className: "bg-red-100 text-red-900" },
  navigated: { label: "navigation", className: "bg-slate-100 text-slate-900" },
};

const RESOLVERS: Record<string, string> = { local: "offline", llm: "LLM", stagehand: "Stagehand" };

export function resolverName(name: string | null | undefined): string | null {
  return name ? (RESOLVERS[name] ?? name) : null;
}

export function Decision({
  decision,
  confidence,
  resolver,
}: {
  decision: string | null;
  confidence?: number | null;
  resolver?: string | null;
}) {
  const shown = DECISIONS[decision ?? ""] ?? { label: decision ?? "pending", className: "bg-slate-100 text-slate-900" };
  const by = resolverName(resolver);
  const label = decision === "resolver" && by ? `resolver: ${by}` : decision === "healed" && by ? `healed (resolver: ${by})` : shown.label;
  return (
    <span className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${shown.className}`}>
      {label}
      {typeof confidence === "number" && decision !== "navigated" ? ` · ${Math.round(confidence)} %` : ""}
    </span>
  );
}
