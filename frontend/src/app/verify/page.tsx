"use client";
import Link from "next/link";
import { useEffect, useState } from "react";
import { api } from "@/api/client";
import { withSuspense } from "@/components/Page";
import { AuthCard, ErrorNote, Loading, Notice } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam } from "@/lib/useRequireAuth";

function VerifyPage() {
  const token = useParam("token");
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!token) return;
    let cancelled = false;
    void (async () => {
      try {
        const result = unwrap(await api.GET("/api/auth/verify-email", { params: { query: { token } } }));
        if (!cancelled) setMessage(result.message ?? "Your e-mail address is verified; you can sign in.");
      } catch (caught) {
        if (!cancelled) setError(caught);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [token]);

  return (
    <AuthCard title="Verify your e-mail">
      {!token && <ErrorNote error="This link has no token. Open the link from the e-mail again." />}
      {token && !message && !error && <Loading what="your verification" />}
      {message && <Notice>{message}</Notice>}
      <ErrorNote error={error} />
      <p className="mt-4">
        <Link className="text-blue-800 underline" href="/login/">
          Go to sign in
        </Link>
      </p>
    </AuthCard>
  );
}

export default withSuspense(VerifyPage);
