"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent } from "react";
import { api } from "@/api/client";
import { Button, Card, ErrorNote, Field, Loading, Notice } from "@/components/ui";
import { useAuth } from "@/lib/auth";
import { ApiError, unwrap } from "@/lib/errors";
import { useRequireAuth } from "@/lib/useRequireAuth";
import { keys, queries } from "@/api/queries";

export default function AccountPage() {
  const ready = useRequireAuth();
  const { state } = useAuth();
  const queryClient = useQueryClient();
  const sessions = useQuery({
    ...queries.sessions(),
    enabled: ready,
  });
  const end = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE("/api/auth/sessions/{session_id}", { params: { path: { session_id: id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keys.sessions() }),
  });
  const change = useMutation({
    mutationFn: async (body: { current_password: string; new_password: string }) =>
      unwrap(await api.POST("/api/auth/change-password", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.sessions() }),
  });
  if (!ready || state.status !== "signed-in") return <Loading what="your account" />;
  const fields = change.error instanceof ApiError ? change.error.fields : {};
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    change.mutate({
      current_password: String(form.get("current_password")),
      new_password: String(form.get("new_password")),
    });
    event.currentTarget.reset();
  }
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-semibold">Account</h1>
      <Card title="You">
        <p>{state.user.full_name ?? state.user.email}</p>
        <p className="text-sm text-slate-600">{state.user.email}</p>
      </Card>
      <Card title="Change password">
        <form onSubmit={submit} className="grid max-w-md gap-3" noValidate>
          <Field label="Current password" name="current_password" type="password" autoComplete="current-password" error={fields.current_password} />
          <Field
            label="New password"
            name="new_password"
            type="password"
            autoComplete="new-password"
            hint="At least 10 characters; your other sessions are signed out."
            error={fields.new_password}
          />
          {Object.keys(fields).length === 0 && <ErrorNote error={change.error} />}
          {change.isSuccess && <Notice>Password changed; your other sessions are signed out.</Notice>}
          <Button busy={change.isPending}>Change password</Button>
        </form>
      </Card>
      <Card title="Sessions">
        {sessions.isPending && <Loading what="sessions" />}
        {sessions.isError && <ErrorNote error={sessions.error} />}
        <ErrorNote error={end.error} />
        <ul className="divide-y divide-slate-200">
          {sessions.data?.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center gap-3 py-2 text-sm">
              <span className="break-all">{s.user_agent ?? "unknown browser"}</span>
              <span className="text-slate-600">{s.ip ?? ""}</span>
              <span className="text-slate-600">last used {new Date(s.last_used_at).toLocaleString()}</span>
              {s.current ? (
                <span className="ml-auto font-semibold">this session</span>
              ) : (
                <span className="ml-auto">
                  <Button type="button" variant="secondary" onClick={() => end.mutate(s.id)}>
                    Sign out this session
                  </Button>
                </span>
              )}
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
