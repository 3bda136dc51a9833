"use client";
// Who is signed in. On load the refresh cookie is traded for an access token once.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, type Schemas } from "@/api/client";
import { unwrap } from "@/lib/errors";
import { tokens } from "@/lib/tokens";

type User = Schemas["UserOut"];
type State =
  | { status: "loading" }
  | { status: "signed-out" }
  | { status: "signed-in"; user: User };

interface AuthValue {
  state: State;
  login(email: string, password: string): Promise<void>;
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

async function loadUser(): Promise<User> {
  return unwrap(await api.GET("/api/auth/me"));
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ status: "loading" });

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const access = tokens.access() ?? (await tokens.refresh());
      if (!access) {
        if (!cancelled) setState({ status: "signed-out" });
        return;
      }
      try {
        const user = await loadUser();
        if (!cancelled) setState({ status: "signed-in", user });
      } catch {
        if (!cancelled) setState({ status: "signed-out" });
      }
    })();
    const unsubscribe = tokens.subscribe((value) => {
      if (value === null) setState({ status: "signed-out" });
    });
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, []);

  const login = useCallback(async (email: string, password: string) => {
    const pair = unwrap(await api.POST("/api/auth/login", { body: { email, password } }));
    tokens.set(pair.access_token);
    setState({ status: "signed-in", user: await loadUser() });
  }, []);

  const logout = useCallback(async () => {
    await api.POST("/api/auth/logout", { body: {} });
    tokens.set(null);
  }, []);

  return <AuthContext.Provider value={{ state, login, logout }}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
