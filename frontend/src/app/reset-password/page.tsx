"use client";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api } from "@/api/client";
import { withSuspense } from "@/components/Page";
import { AuthCard, Button, ErrorNote, Field, Notice } from "@/components/ui";
import { ApiError, unwrap } from "@/lib/errors";
import { useParam } from "@/lib/useRequireAuth";

function ResetPage() {
  const token = useParam("token");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get("new_password"));
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/api/auth/reset-password", { body: { token: token ?? "", new_password: password } }));
      setDone(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const fields = error instanceof ApiError ? error.fields : {};
  return (
    <AuthCard title="Choose a new password">
      {done ? (
        <>
          <Notice>Your password is changed and every other session is signed out.</Notice>
          <Link className="mt-4 inline-block text-blue-800 underline" href="/login/">
            Sign in
          </Link>
        </>
      ) : (
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <Field
            label="New password"
            name="new_password"
            type="password"
            autoComplete="new-password"
            required
            hint="At least 10 characters; not a common password."
            error={fields.new_password}
          />
          {!fields.new_password && <ErrorNote error={error} />}
          <Button busy={busy}>Save password</Button>
        </form>
      )}
    </AuthCard>
  );
}

export default withSuspense(ResetPage);
