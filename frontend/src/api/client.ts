// The typed api client: paths and shapes come from schema.d.ts (generated from the api's
// OpenAPI document by `npm run gen:api`; `scripts/check-api-client.sh` fails when stale).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { tokens } from "@/lib/tokens";

export type Schemas = components["schemas"];
export type RunOut = Schemas["RunOut"];
export type RunDetail = Schemas["RunDetail"];
export type ProjectOut = Schemas["ProjectOut"];
export type OrgOut = Schemas["OrgOut"];
export type EventOut = Schemas["EventOut"];

const auth: Middleware = {
  async onRequest({ request }) {
    const access = tokens.access();
    if (access && !request.headers.has("Authorization")) {
      request.headers.set("Authorization", `Bearer ${access}`);
    }
    return request;
  },
  async onResponse({ request, response }) {
    // An expired access token: refresh once (the httpOnly cookie carries the refresh
    // token) and repeat the request with the new one.
    if (response.status !== 401 || request.url.includes("/api/auth/")) return response;
    const fresh = await tokens.refresh();
    if (!fresh) return response;
    const retry = new Request(request, { headers: new Headers(request.headers) });
    retry.headers.set("Authorization", `Bearer ${fresh}`);
    return fetch(retry);
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(auth);
