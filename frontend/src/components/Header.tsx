"use client";
// The top bar: the pages of the current organisation (by role: audit log and webhook
// deliveries for admins), the account, and the local outbox only where it exists (embedded
// mode, this machine).
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import type { OrgOut } from "@/api/client";
import { queries } from "@/api/queries";
import { useAuth } from "@/lib/auth";

const ADMIN = new Set(["admin", "owner"]);
const CHOSEN = "testable.org";

// The organisation the pages are about: the one in the address (?org=, or the project's
// for ?project=), else the one chosen last, else the first. Read from the address without
// useSearchParams, which would need a Suspense boundary around the whole layout.
function useCurrentOrg(orgs: OrgOut[] | undefined): [OrgOut | null, (id: string) => void] {
  const [chosen, setChosen] = useState<string | null>(null);
  const [projectId, setProjectId] = useState<string | null>(null);
  const pathname = usePathname(); // the layout stays mounted: read the address on each page
  useEffect(() => {
    const address = new URLSearchParams(window.location.search);
    const fromAddress = address.get("org");
    if (fromAddress) window.localStorage.setItem(CHOSEN, fromAddress);
    setChosen(fromAddress ?? window.localStorage.getItem(CHOSEN));
    setProjectId(address.get("project"));
  }, [pathname]);
  const project = useQuery({ ...queries.project(projectId ?? ""), enabled: !!projectId && !!orgs });
  const projectOrg = project.data?.org_id;
  useEffect(() => {
    if (projectOrg) {
      window.localStorage.setItem(CHOSEN, projectOrg);
      setChosen(projectOrg);
    }
  }, [projectOrg]);
  const choose = (id: string) => {
    window.localStorage.setItem(CHOSEN, id);
    setChosen(id);
  };
  const current = orgs?.find((o) => o.id === chosen) ?? orgs?.[0] ?? null;
  return [current, choose];
}

function NavLink({ href, children }: { href: string; children: React.ReactNode }) {
  return (
    <Link href={href} className="text-slate-700 hover:underline">
      {children}
    </Link>
  );
}

export function Header() {
  const { state, logout } = useAuth();
  const router = useRouter();
  const signedIn = state.status === "signed-in";
  const orgs = useQuery({ ...queries.orgs(), enabled: signedIn });
  const outbox = useQuery(queries.outboxAvailable());
  const [org, chooseOrg] = useCurrentOrg(orgs.data);
  return (
    <header className="border-b border-slate-200 bg-white">
      <nav
        aria-label="Main"
        className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-5 gap-y-2 px-4 py-3 sm:px-6"
      >
        <Link href="/" className="text-lg font-bold text-blue-800">
          TestAble
        </Link>
        {signedIn ? (
          <>
            <NavLink href="/projects/">Projects</NavLink>
            {org && (
              <>
                <NavLink href={`/repositories/?org=${org.id}`}>Repositories</NavLink>
                <NavLink href={`/members/?org=${org.id}`}>Members</NavLink>
                {ADMIN.has(org.role) && <NavLink href={`/deliveries/?org=${org.id}`}>Deliveries</NavLink>}
                {ADMIN.has(org.role) && <NavLink href={`/audit/?org=${org.id}`}>Audit log</NavLink>}
              </>
            )}
            {orgs.data && orgs.data.length > 1 && org && (
              <label className="text-sm text-slate-700">
                <span className="sr-only">Organisation</span>
                <select
                  value={org.id}
                  onChange={(e) => chooseOrg(e.target.value)}
                  className="rounded border border-slate-300 px-1 py-0.5"
                >
                  {orgs.data.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {outbox.data && <NavLink href="/outbox/">Outbox</NavLink>}
            <Link href="/account/" className="ml-auto text-sm text-slate-700 hover:underline">
              {state.user.email}
            </Link>
            <button
              type="button"
              className="text-sm text-slate-700 underline"
              onClick={async () => {
                await logout();
                router.push("/login/");
              }}
            >
              Sign out
            </button>
          </>
        ) : (
          <>
            <span className="ml-auto" />
            {outbox.data && (
              <Link href="/outbox/" className="text-sm text-slate-700 hover:underline">
                Outbox
              </Link>
            )}
            <Link href="/login/" className="text-sm text-slate-700 hover:underline">
              Sign in
            </Link>
            <Link href="/signup/" className="text-sm text-slate-700 hover:underline">
              Sign up
            </Link>
          </>
        )}
      </nav>
    </header>
  );
}
