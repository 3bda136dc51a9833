"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { api } from "@/api/client";
import { withSuspense } from "@/components/Page";
import { AuthCard, Button, ErrorNote, Field, Notice } from "@/components/ui";
import { useAuth } from "@/lib/auth";
import { ApiError } from "@/lib/errors";
import { useParam } from "@/lib/useRequireAuth";

function LoginPage() {
  const { login } = useAuth();
  const router = useRouter();
  const next = useParam("next");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [email, setEmail] = useState("");
  const [resent, setResent] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await login(String(form.get("email")), String(form.get("password")));
      // Only same-site paths: never bounce a fresh session to another origin.
      router.push(next?.startsWith("/") && !next.startsWith("//") ? next : "/projects/");
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const unverified = error instanceof ApiError && error.code === "email_not_verified";
  return (
    <AuthCard title="Sign in">
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <Field
          label="E-mail"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <ErrorNote error={error} />
        {unverified && !resent && (
          <Button
            type="button"
            variant="secondary"
            onClick={async () => {
              await api.POST("/api/auth/resend-verification", { body: { email } });
              setResent(true);
            }}
          >
            Send the verification e-mail again
          </Button>
        )}
        {resent && <Notice>If the account exists, a new link is on its way.</Notice>}
        <Button busy={busy}>Sign in</Button>
      </form>
      <div className="mt-4 flex flex-wrap justify-between gap-2 text-sm">
        <Link className="text-blue-800 underline" href="/forgot/">
          Forgot your password?
        </Link>
        <Link className="text-blue-800 underline" href="/signup/">
          Create an account
        </Link>
      </div>
    </AuthCard>
  );
}

export default withSuspense(LoginPage);
