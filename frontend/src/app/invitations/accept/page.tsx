"use client";
import Link from "next/link";
import { useState } from "react";
import { api } from "@/api/client";
import { withSuspense } from "@/components/Page";
import { AuthCard, Button, ErrorNote, Loading, Notice } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

function AcceptInvitationPage() {
  const ready = useRequireAuth();
  const token = useParam("token");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [joined, setJoined] = useState<string | null>(null);
  if (!ready) return <Loading what="your account" />;
  return (
    <AuthCard title="Join an organisation">
      {joined ? (
        <>
          <Notice>You joined {joined}.</Notice>
          <Link className="mt-4 inline-block text-blue-800 underline" href="/projects/">
            See its projects
          </Link>
        </>
      ) : (
        <>
          <ErrorNote error={token ? error : "This link has no token. Open the link from the e-mail again."} />
          <Button
            type="button"
            busy={busy}
            disabled={!token}
            onClick={async () => {
              setBusy(true);
              try {
                const org = unwrap(await api.POST("/api/orgs/invitations/accept", { body: { token: token ?? "" } }));
                setJoined(org.name);
              } catch (caught) {
                setError(caught);
              } finally {
                setBusy(false);
              }
            }}
          >
            Accept the invitation
          </Button>
        </>
      )}
    </AuthCard>
  );
}

export default withSuspense(AcceptInvitationPage);
