"use client";
import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { api } from "@/api/client";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Loading } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

function AuditPage() {
  const ready = useRequireAuth();
  const orgId = useParam("org") ?? "";
  const log = useInfiniteQuery({
    queryKey: ["audit", orgId],
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/api/orgs/{org_id}/audit-log", {
          params: { path: { org_id: orgId }, query: { limit: 50, before: pageParam ?? undefined } },
        }),
      ),
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
        {log.isPending && <Loading what="the audit log" />}
        {log.isError && <ErrorNote error={log.error} />}
        {log.isSuccess && items.length === 0 && <Empty>Nothing recorded yet.</Empty>}
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
                  <tr key={e.id} className="border-t border-slate-100 align-top">
                    <td className="whitespace-nowrap pr-3">{new Date(e.created_at).toLocaleString()}</td>
                    <td className="pr-3">{e.email ?? "–"}</td>
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
