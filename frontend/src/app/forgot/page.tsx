"use client";
import { useState, type FormEvent } from "react";
import { api } from "@/api/client";
import { AuthCard, Button, ErrorNote, Field, Notice } from "@/components/ui";
import { unwrap } from "@/lib/errors";

export default function ForgotPage() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get("email"));
    setBusy(true);
    setError(null);
    try {
      unwrap(await api.POST("/api/auth/forgot-password", { body: { email } }));
      setSent(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Reset your password">
      {sent ? (
        <Notice>If an account uses that address, we have e-mailed it a link valid for one hour.</Notice>
      ) : (
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <Field label="E-mail" name="email" type="email" autoComplete="email" required />
          <ErrorNote error={error} />
          <Button busy={busy}>Send reset link</Button>
        </form>
      )}
    </AuthCard>
  );
}
