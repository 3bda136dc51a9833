"use client";
// A public link to a run's report page for people without an account (POST /share). The
// api keeps only a hash: the URL is shown once, right after it is made; "Revoke" ends
// every link of the run at once (DELETE /share).
import { useMutation } from "@tanstack/react-query";
import { useId } from "react";
import { api } from "@/api/client";
import { Button, ErrorNote, Notice } from "@/components/ui";
import { unwrap } from "@/lib/errors";

export function ShareLink({ runId }: { runId: string }) {
  const id = useId();
  const path = { params: { path: { run_id: runId } } };
  const create = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/runs/{run_id}/share", path)),
  });
  const revoke = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/api/runs/{run_id}/share", path)),
    onSuccess: () => create.reset(),
  });
  return (
    <div className="flex flex-col gap-3 text-sm">
      <p className="text-slate-700">
        Anyone with a share link can read this run&apos;s report page without signing in, until you revoke it.
      </p>
      {create.data && (
        <div className="flex flex-col gap-1">
          <label htmlFor={id} className="font-medium">
            Share link (shown only now: copy it)
          </label>
          <input
            id={id}
            readOnly
            value={create.data.url}
            className="rounded border border-slate-400 bg-slate-50 px-2 py-1 font-mono text-xs"
            onFocus={(e) => e.currentTarget.select()}
          />
        </div>
      )}
      {revoke.data && (
        <Notice>
          {revoke.data.revoked === 0 ? "There were no share links to revoke." : `Revoked ${revoke.data.revoked} share link${revoke.data.revoked === 1 ? "" : "s"}.`}
        </Notice>
      )}
      <ErrorNote error={create.error ?? revoke.error} />
      <div className="flex flex-wrap gap-2">
        <Button type="button" variant="secondary" busy={create.isPending} onClick={() => { revoke.reset(); create.mutate(); }}>
          Create share link
        </Button>
        <Button type="button" variant="danger" busy={revoke.isPending} onClick={() => revoke.mutate()}>
          Revoke all share links
        </Button>
      </div>
    </div>
  );
}
