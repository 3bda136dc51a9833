// A step's cache decision in words and colour (never colour alone: the word is shown).
const DECISIONS: Record<string, { label: string; className: string }> = {
  cache_hit: { label: "cache hit", className: "bg-green-100 text-green-900" },
  verified: { label: "verified", className: "bg-teal-100 text-teal-900" },
  cache_hit_verified: { label: "cache hit, verified", className: "bg-teal-100 text-teal-900" },
  healed: { label: "healed", className: "bg-amber-100 text-amber-900" },
  ai: { label: "asked the AI", className: "bg-violet-100 text-violet-900" },
  resolver: { label: "asked the AI", className: "bg-violet-100 text-violet-900" },
  failed: { label: "failed", className: "bg-red-100 text-red-900" },
  navigated: { label: "navigation", className: "bg-slate-100 text-slate-900" },
};

export function Decision({ decision, confidence }: { decision: string | null; confidence?: number | null }) {
  const shown = DECISIONS[decision ?? ""] ?? { label: decision ?? "pending", className: "bg-slate-100 text-slate-900" };
  return (
    <span className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${shown.className}`}>
      {shown.label}
      {typeof confidence === "number" && decision !== "navigated" ? ` · ${Math.round(confidence)} %` : ""}
    </span>
  );
}
