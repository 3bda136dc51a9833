"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent } from "react";
import { api, type Schemas } from "@/api/client";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading, Notice, StatusBadge } from "@/components/ui";
import { useAuth } from "@/lib/auth";
import { ApiError, unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { keys, queries } from "@/api/queries";

type Role = Schemas["Role"];
const ROLES: Role[] = ["viewer", "member", "admin", "owner"];
const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

function MembersPage() {
  const ready = useRequireAuth();
  const { state } = useAuth();
  const orgId = useParam("org") ?? "";
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.org(orgId) });
  const org = useQuery({
    ...queries.org(orgId),
    enabled: ready && !!orgId,
  });
  const admin = org.data ? RANK[org.data.role] >= RANK.admin : false;
  const members = useQuery({
    ...queries.orgMembers(orgId),
    enabled: ready && !!orgId,
  });
  const invitations = useQuery({
    ...queries.orgInvitations(orgId),
    enabled: admin,
  });
  const changeRole = useMutation({
    mutationFn: async ({ userId, role }: { userId: string; role: Role }) =>
      unwrap(
        await api.PATCH("/api/orgs/{org_id}/members/{user_id}", {
          params: { path: { org_id: orgId, user_id: userId } },
          body: { role },
        }),
      ),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: async (userId: string) =>
      unwrap(await api.DELETE("/api/orgs/{org_id}/members/{user_id}", { params: { path: { org_id: orgId, user_id: userId } } })),
    onSettled: refresh,
  });
  const invite = useMutation({
    mutationFn: async (body: { email: string; role: Role }) =>
      unwrap(await api.POST("/api/orgs/{org_id}/invitations", { params: { path: { org_id: orgId } }, body })),
    onSuccess: refresh,
  });
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      unwrap(
        await api.DELETE("/api/orgs/{org_id}/invitations/{invitation_id}", {
          params: { path: { org_id: orgId, invitation_id: id } },
        }),
      ),
    onSuccess: refresh,
  });

  if (!ready) return <Loading what="your account" />;
  if (!orgId) return <ErrorNote error="No organisation chosen." />;
  const me = state.status === "signed-in" ? state.user.id : null;
  const inviteFields = invite.error instanceof ApiError ? invite.error.fields : {};
  function submitInvite(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    invite.mutate({ email: String(form.get("email")), role: String(form.get("role")) as Role });
  }
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href="/projects/" className="text-sm text-blue-800 underline">
          ← Projects
        </Link>
        <h1 className="text-2xl font-semibold">{org.data?.name ?? "Organisation"} · members</h1>
        {admin && (
          <nav aria-label="Organisation" className="flex flex-wrap gap-4 text-sm">
            <Link href={`/audit/?org=${orgId}`} className="text-blue-800 underline">
              Audit log
            </Link>
            <Link href={`/deliveries/?org=${orgId}`} className="text-blue-800 underline">
              GitHub webhook deliveries
            </Link>
            <Link href={`/repositories/?org=${orgId}`} className="text-blue-800 underline">
              Repositories
            </Link>
          </nav>
        )}
        {org.isError && <ErrorNote error={org.error} />}
      </div>
      <ErrorNote error={changeRole.error ?? remove.error ?? revoke.error} />
      <Card title="Members">
        {members.isPending && <Loading what="members" />}
        {members.isError && <ErrorNote error={members.error} />}
        <ul className="divide-y divide-slate-200">
          {members.data?.map((m) => (
            <li key={m.user_id} className="flex flex-wrap items-center gap-3 py-2">
              <span className="font-medium">{m.full_name ?? m.email}</span>
              <span className="text-sm text-slate-600">{m.email}</span>
              <span className="ml-auto flex items-center gap-2">
                {admin ? (
                  <label className="text-sm">
                    <span className="sr-only">Role of {m.email}</span>
                    <select
                      className="rounded border border-slate-400 bg-white px-2 py-1"
                      value={m.role}
                      onChange={(e) => changeRole.mutate({ userId: m.user_id, role: e.target.value as Role })}
                    >
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  </label>
                ) : (
                  <StatusBadge status={m.role} />
                )}
                {(admin || m.user_id === me) && (
                  <Button type="button" variant="secondary" onClick={() => remove.mutate(m.user_id)}>
                    {m.user_id === me ? "Leave" : "Remove"}
                  </Button>
                )}
              </span>
            </li>
          ))}
        </ul>
      </Card>
      {admin && (
        <Card title="Invitations">
          <form onSubmit={submitInvite} className="mb-4 flex flex-wrap items-end gap-3" aria-label="Invite someone">
            <Field label="E-mail" name="email" type="email" required error={inviteFields.email} />
            <label className="flex flex-col gap-1 text-sm font-medium">
              Role
              <select name="role" defaultValue="member" className="rounded border border-slate-400 bg-white px-2 py-2">
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </label>
            <Button busy={invite.isPending}>Send invitation</Button>
          </form>
          {Object.keys(inviteFields).length === 0 && <ErrorNote error={invite.error} />}
          {invite.isSuccess && <Notice>Invitation sent.</Notice>}
          {invitations.data?.length === 0 && <Empty>No invitations yet.</Empty>}
          <ul className="divide-y divide-slate-200">
            {invitations.data?.map((inv) => (
              <li key={inv.id} className="flex flex-wrap items-center gap-3 py-2">
                <span>{inv.email}</span>
                <span className="text-sm text-slate-600">as {inv.role}</span>
                <StatusBadge status={inv.status} />
                <span className="text-sm text-slate-600">expires {new Date(inv.expires_at).toLocaleDateString()}</span>
                {inv.status === "pending" && (
                  <Button type="button" variant="secondary" onClick={() => revoke.mutate(inv.id)}>
                    Revoke
                  </Button>
                )}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </div>
  );
}

export default withSuspense(MembersPage);
