"use client";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api } from "@/api/client";
import { AuthCard, Button, ErrorNote, Field, Notice } from "@/components/ui";
import { ApiError, unwrap } from "@/lib/errors";

export default function SignUpPage() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const result = unwrap(
        await api.POST("/api/auth/register", {
          body: {
            email: String(form.get("email")),
            password: String(form.get("password")),
            full_name: String(form.get("full_name")) || null,
          },
        }),
      );
      setDone(result.message);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const fields = error instanceof ApiError ? error.fields : {};
  if (done) {
    return (
      <AuthCard title="Check your e-mail">
        <Notice>{done}</Notice>
        <p className="mt-4 text-sm text-slate-700">
          Running TestAble on this machine? The e-mail is in the{" "}
          <Link className="text-blue-800 underline" href="/outbox/">
            local outbox
          </Link>
          .
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Create your account">
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <Field label="Full name" name="full_name" autoComplete="name" />
        <Field label="E-mail" name="email" type="email" autoComplete="email" required error={fields.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 10 characters; not a common password."
          error={fields.password}
        />
        {Object.keys(fields).length === 0 && <ErrorNote error={error} />}
        <Button busy={busy}>Sign up</Button>
      </form>
      <p className="mt-4 text-sm">
        Already have an account?{" "}
        <Link className="text-blue-800 underline" href="/login/">
          Sign in
        </Link>
      </p>
    </AuthCard>
  );
}
