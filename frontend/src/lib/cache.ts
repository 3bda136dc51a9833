// Shapes of /api/projects/{id}/cache/… (backend/cache_api/dashboard.py returns the store's
// records as plain JSON, so they are typed here after backend/cache/records.py).
export interface Selector {
  kind: string;
  value: string;
}

export interface CachedElement {
  key: string;
  scope: string;
  instruction: string;
  route: string;
  frame: string;
  selectors: Selector[];
  fingerprint: Record<string, unknown>;
  context: { url?: string; title?: string };
  action: Record<string, unknown>;
  stats: { uses: number; successes: number; failures: number; last_used_at: string | null; created_at: string };
  version: number;
  status: "active" | "deprecated" | "invalidated";
}

export interface ElementVersion {
  key: string;
  version: number;
  change: string;
  actor: string;
  reason: string;
  diff: Record<string, { old: unknown; new: unknown }>;
  at: string;
}

export interface DecisionRecord {
  key: string;
  instruction: string;
  decision: string;
  confidence: number;
  reasons: string[];
  selector: string | null;
  duration_ms: number;
  run_id: string | null;
  at: string;
}

export interface CacheStats {
  entries: number;
  lookups: number;
  hits: number;
  heals: number;
  resolver_calls: number;
  failures: number;
  hit_rate: number;
  time_saved_ms: number;
}
