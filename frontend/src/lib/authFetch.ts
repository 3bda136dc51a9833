"use client";
// fetch() with the access token (refreshed once on 401) for the few calls the typed
// client does not cover: multipart uploads and routes returning plain store records.
import { toApiError } from "@/lib/errors";
import { tokens } from "@/lib/tokens";

export async function authFetch<T>(url: string, init: RequestInit = {}): Promise<T> {
  const send = (token: string | null) => {
    const headers = new Headers(init.headers);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    if (typeof init.body === "string") headers.set("Content-Type", "application/json");
    return fetch(url, { ...init, headers, credentials: "same-origin" });
  };
  let response = await send(tokens.access());
  if (response.status === 401) response = await send(await tokens.refresh());
  const body: unknown = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw toApiError(body, response);
  return body as T;
}
