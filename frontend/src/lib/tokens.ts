// The access token lives in memory only (never in localStorage, where any script could
// read it); after a reload it is recovered from the httpOnly refresh cookie.
type Listener = (access: string | null) => void;

let access: string | null = null;
let pending: Promise<string | null> | null = null;
const listeners = new Set<Listener>();

function set(value: string | null): void {
  access = value;
  listeners.forEach((listener) => listener(value));
}

async function refreshOnce(): Promise<string | null> {
  try {
    const response = await fetch("/api/auth/refresh", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    if (!response.ok) {
      set(null);
      return null;
    }
    const body = (await response.json()) as { access_token: string };
    set(body.access_token);
    return body.access_token;
  } catch {
    set(null);
    return null;
  }
}

export const tokens = {
  access: (): string | null => access,
  set,
  // Concurrent 401s share one refresh: the api rotates refresh tokens and treats a
  // second use of the same one as theft.
  refresh(): Promise<string | null> {
    pending ??= refreshOnce().finally(() => {
      pending = null;
    });
    return pending;
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
