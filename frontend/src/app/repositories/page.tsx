"use client";
// An organisation's connected repositories (every project's), with disconnect, and the
// "Install the GitHub App" button: the api signs an install URL naming this organisation,
// and GitHub's setup callback binds the installation to it and lands back here.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { api } from "@/api/client";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Loading, Notice } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";
import { keys, queries } from "@/api/queries";

function RepositoriesPage() {
  const ready = useRequireAuth();
  const orgId = useParam("org") ?? "";
  const installed = useParam("installed");
  const queryClient = useQueryClient();
  const repositories = useQuery({
    ...queries.orgRepositories(orgId, true),
    enabled: ready && !!orgId,
  });
  const install = useMutation({
    mutationFn: async () =>
      unwrap(await api.GET("/api/orgs/{org_id}/github/install-url", { params: { path: { org_id: orgId } } })),
    // The state in the URL expires: fetch it on click, then leave for GitHub.
    onSuccess: ({ url }) => window.location.assign(url),
  });
  const disconnect = useMutation({
    mutationFn: async (repositoryId: string) =>
      unwrap(
        await api.DELETE("/api/repositories/{repository_id}", {
          params: { path: { repository_id: repositoryId } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.orgRepositories(orgId) }),
  });
  if (!ready) return <Loading what="your account" />;
  if (!orgId) return <ErrorNote error="No organisation chosen." />;
  const items = repositories.data;
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/members/?org=${orgId}`} className="text-sm text-blue-800 underline">
          ← Members
        </Link>
        <h1 className="text-2xl font-semibold">Repositories</h1>
      </div>
      {installed && (
        <Notice>
          The GitHub App is installed (installation {installed}) and belongs to this organisation: connect a
          project&apos;s repository through it from the project&apos;s page.
        </Notice>
      )}
      <Card title="GitHub App">
        <p className="mb-3 text-sm text-slate-700">
          Installing the App lets TestAble clone your repositories with short-lived tokens and receive their
          webhooks. The installation is bound to this organisation only.
        </p>
        <Button type="button" busy={install.isPending} onClick={() => install.mutate()}>
          Install the GitHub App
        </Button>
        <ErrorNote error={install.error} />
      </Card>
      <Card title="Connected repositories">
        {repositories.isPending && <Loading what="repositories" />}
        {repositories.isError && <ErrorNote error={repositories.error} />}
        <ErrorNote error={disconnect.error} />
        {disconnect.isSuccess && <Notice>Repository disconnected.</Notice>}
        {items?.length === 0 && <Empty>No repository connected yet.</Empty>}
        {!!items?.length && (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Connected repositories</caption>
              <thead className="text-slate-700">
                <tr>
                  <th className="pr-3">Repository</th>
                  <th className="pr-3">Access</th>
                  <th className="pr-3">Default branch</th>
                  <th className="pr-3">Project</th>
                  <th className="pr-3">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr key={r.id} className="border-t border-slate-100 align-top" data-testid="org-repository">
                    <td className="break-all pr-3 font-mono">{r.full_name ?? r.clone_url}</td>
                    <td className="pr-3">
                      {r.auth === "app"
                        ? `GitHub App (installation ${r.installation_id ?? "–"})`
                        : r.auth === "token"
                          ? "personal access token"
                          : "no credentials"}
                      {!r.connected && <span className="ml-2 text-red-800">disconnected</span>}
                    </td>
                    <td className="pr-3 font-mono">{r.default_branch ?? "–"}</td>
                    <td className="pr-3">
                      <Link href={`/home/?project=${r.project_id}`} className="text-blue-800 underline">
                        project
                      </Link>
                    </td>
                    <td className="pr-3">
                      {r.connected && (
                        <Button
                          type="button"
                          variant="secondary"
                          busy={disconnect.isPending && disconnect.variables === r.id}
                          onClick={() => disconnect.mutate(r.id)}
                        >
                          Disconnect
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

export default withSuspense(RepositoriesPage);
