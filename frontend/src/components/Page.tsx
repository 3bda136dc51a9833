"use client";
import { Suspense, type ComponentType } from "react";
import { Loading } from "@/components/ui";

/** Static pages that read the query string must render it inside Suspense. */
export function withSuspense(Inner: ComponentType): ComponentType {
  return function Page() {
    return (
      <Suspense fallback={<Loading what="the page" />}>
        <Inner />
      </Suspense>
    );
  };
}
