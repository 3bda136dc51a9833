"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useAuth } from "@/lib/auth";

export function Header() {
  const { state, logout } = useAuth();
  const router = useRouter();
  return (
    <header className="border-b border-slate-200 bg-white">
      <nav
        aria-label="Main"
        className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-5 gap-y-2 px-4 py-3 sm:px-6"
      >
        <Link href="/" className="text-lg font-bold text-blue-800">
          TestAble
        </Link>
        {state.status === "signed-in" ? (
          <>
            <Link href="/projects/" className="text-slate-700 hover:underline">
              Projects
            </Link>
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
            <Link href="/outbox/" className="ml-auto text-sm text-slate-700 hover:underline">
              Outbox
            </Link>
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
