"use client";
// GitHub webhook deliveries of an organisation (admins): what arrived, what TestAble did
// with it (runs started, ignored with a reason, failed), and "Process again".
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { api, type Schemas } from "@/api/client";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Loading, Notice, StatusBadge } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { keys, queries } from "@/api/queries";

type DeliveryStatus = Schemas["DeliveryStatus"];
const STATUSES: DeliveryStatus[] = ["received", "processed", "ignored", "rejected", "failed"];
const PAGE = 50;

function DeliveriesPage() {
  const ready = useRequireAuth();
  const orgId = useParam("org") ?? "";
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const [offset, setOffset] = useState(0);
  const deliveries = useQuery({
    ...queries.orgWebhookDeliveries(orgId, status, offset, PAGE),
    enabled: ready && !!orgId,
    placeholderData: keepPreviousData,
  });
  const redeliver = useMutation({
    mutationFn: async (deliveryPk: string) =>
      unwrap(
        await api.POST("/api/orgs/{org_id}/github/deliveries/{delivery_pk}/redeliver", {
          params: { path: { org_id: orgId, delivery_pk: deliveryPk } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.orgWebhookDeliveriesAll(orgId) }),
  });
  if (!ready) return <Loading what="your account" />;
  if (!orgId) return <ErrorNote error="No organisation chosen." />;
  const page = deliveries.data;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/members/?org=${orgId}`} className="text-sm text-blue-800 underline">
          ← Members
        </Link>
        <h1 className="text-2xl font-semibold">GitHub webhook deliveries</h1>
      </div>
      <Card title="Deliveries, newest first">
        <label className="mb-4 flex w-fit flex-col text-sm">
          Status
          <select
            className="rounded border border-slate-400 bg-white px-2 py-1.5"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as DeliveryStatus | "");
              setOffset(0);
            }}
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {deliveries.isPending && <Loading what="deliveries" />}
        {deliveries.isError && <ErrorNote error={deliveries.error} />}
        <ErrorNote error={redeliver.error} />
        {redeliver.isSuccess && <Notice>Queued to be processed again.</Notice>}
        {page?.items.length === 0 && <Empty>No webhook deliveries{status ? ` with status ${status}` : ""} yet.</Empty>}
        {!!page?.items.length && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">GitHub webhook deliveries</caption>
              <thead className="text-slate-700">
                <tr>
                  <th className="pr-3">Received</th>
                  <th className="pr-3">Event</th>
                  <th className="pr-3">Repository</th>
                  <th className="pr-3">Status</th>
                  <th className="pr-3">What happened</th>
                  <th className="pr-3">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((d) => (
                  <tr key={d.id} className="border-t border-slate-100 align-top" data-testid="webhook-delivery">
                    <td className="whitespace-nowrap pr-3">{new Date(d.received_at).toLocaleString()}</td>
                    <td className="pr-3 font-mono">
                      {d.event ?? "–"}
                      {d.action ? `.${d.action}` : ""}
                    </td>
                    <td className="break-all pr-3">{d.repository_full_name ?? "–"}</td>
                    <td className="pr-3">
                      <StatusBadge status={d.status} />
                    </td>
                    <td className="pr-3">
                      {d.reason && <p>{d.reason}</p>}
                      {d.run_ids.map((runId) => (
                        <Link key={runId} href={`/runs/view/?id=${runId}`} className="mr-2 font-mono text-blue-800 underline">
                          run {runId.slice(0, 8)}
                        </Link>
                      ))}
                      <span className="text-slate-600">
                        {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
                      </span>
                    </td>
                    <td className="pr-3">
                      <Button
                        type="button"
                        variant="secondary"
                        busy={redeliver.isPending && redeliver.variables === d.id}
                        onClick={() => redeliver.mutate(d.id)}
                      >
                        Process again
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="mt-3 flex items-center gap-3 text-sm">
              <span>
                {page.offset + 1}–{page.offset + page.items.length} of {page.total}
              </span>
              {page.offset > 0 && (
                <Button type="button" variant="secondary" onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                  Newer
                </Button>
              )}
              {page.offset + page.items.length < page.total && (
                <Button type="button" variant="secondary" onClick={() => setOffset(offset + PAGE)}>
                  Older
                </Button>
              )}
            </div>
          </div>
        )}
      </Card>
    </div>
  );
}

export default withSuspense(DeliveriesPage);
