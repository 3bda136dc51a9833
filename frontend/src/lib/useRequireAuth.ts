"use client";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect } from "react";
import { useAuth } from "@/lib/auth";

/** Sends a signed-out visitor to the sign-in page; true once the user is known. */
export function useRequireAuth(): boolean {
  const { state } = useAuth();
  const router = useRouter();
  useEffect(() => {
    if (state.status === "signed-out") {
      const next = window.location.pathname + window.location.search;
      router.replace(`/login/?next=${encodeURIComponent(next)}`);
    }
  }, [state.status, router]);
  return state.status === "signed-in";
}

/** A query-string parameter of a statically exported page (dynamic ids travel here).
 * The page must render its content inside <Suspense> (see components/Page.tsx). */
export function useParam(name: string): string | null {
  return useSearchParams().get(name);
}
