"use client";
// An organisation's audit log (admins): who did what, newest first, filtered by action (or a
// family of them: "run" is every run.*), actor and period.
import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { keys, queries, type AuditFilter } from "@/api/queries";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading } from "@/components/ui";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

const PERIODS: [string, string, number | null][] = [
  ["any", "Any time", null],
  ["day", "Last 24 hours", 1],
  ["week", "Last 7 days", 7],
  ["month", "Last 30 days", 30],
];

function FilterForm({ onApply }: { onApply: (filter: AuditFilter) => void }) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = PERIODS.find(([id]) => id === form.get("period"))?.[2] ?? null;
    onApply({
      action: String(form.get("action") ?? "").trim(),
      actor: String(form.get("actor") ?? "").trim(),
      since: days ? new Date(Date.now() - days * 86_400_000).toISOString() : undefined,
    });
  };
  return (
    <form onSubmit={submit} aria-label="Filter the audit log" className="mb-4 grid gap-3 sm:grid-cols-4 sm:items-end">
      <Field label="Action" name="action" placeholder="run.start, or run" hint="An action or a family (run = every run.*)." />
      <Field label="Actor" name="actor" type="email" placeholder="someone@example.com" />
      <label className="flex flex-col gap-1 text-sm font-medium">
        Period
        <select name="period" className="rounded border border-slate-300 px-2 py-1.5">
          {PERIODS.map(([id, label]) => (
            <option key={id} value={id}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <div>
        <Button type="submit">Filter</Button>
      </div>
    </form>
  );
}

function AuditPage() {
  const ready = useRequireAuth();
  const orgId = useParam("org") ?? "";
  const [filter, setFilter] = useState<AuditFilter>({});
  const log = useInfiniteQuery({
    queryKey: keys.orgAudit(orgId, filter),
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) => queries.auditPage(orgId, filter, pageParam),
    getNextPageParam: (page) => page.next_before ?? null,
    enabled: ready && !!orgId,
  });
  if (!ready) return <Loading what="your account" />;
  if (!orgId) return <ErrorNote error="No organisation chosen." />;
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/members/?org=${orgId}`} className="text-sm text-blue-800 underline">
          ← Members
        </Link>
        <h1 className="text-2xl font-semibold">Audit log</h1>
      </div>
      <Card title="Events, newest first">
        <FilterForm onApply={setFilter} />
        {log.isPending && <Loading what="the audit log" />}
        {log.isError && <ErrorNote error={log.error} />}
        {log.isSuccess && items.length === 0 && <Empty>No event matches.</Empty>}
        {items.length > 0 && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Audit events</caption>
              <thead className="text-slate-700">
                <tr>
                  <th className="pr-3">When</th>
                  <th className="pr-3">Who</th>
                  <th className="pr-3">What</th>
                  <th className="pr-3">Outcome</th>
                  <th className="pr-3">From</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.id} className="border-t border-slate-100 align-top" data-testid="audit-event">
                    <td className="whitespace-nowrap pr-3">{new Date(e.created_at).toLocaleString()}</td>
                    <td className="break-all pr-3">{e.actor ?? "unknown"}</td>
                    <td className="pr-3 font-mono">{e.action}</td>
                    <td className="pr-3">{e.outcome}</td>
                    <td className="pr-3 text-slate-600">{e.ip ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {log.hasNextPage && (
          <div className="mt-3">
            <Button type="button" variant="secondary" busy={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
              Older events
            </Button>
          </div>
        )}
      </Card>
    </div>
  );
}

export default withSuspense(AuditPage);
