"use client";
// Artifact downloads need the Bearer token, which <img src> and <a href> cannot send:
// fetch them with it and hand the browser an object URL.
import { useEffect, useState } from "react";
import { tokens } from "@/lib/tokens";

async function authorisedBlob(url: string): Promise<Blob> {
  const send = (token: string | null) =>
    fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, credentials: "same-origin" });
  let response = await send(tokens.access());
  if (response.status === 401) response = await send(await tokens.refresh());
  if (!response.ok) throw new Error(`download failed (${response.status})`);
  return response.blob();
}

export function useObjectUrl(url: string | null): string | null {
  const [objectUrl, setObjectUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!url) return;
    let revoked = false;
    let created: string | null = null;
    authorisedBlob(url)
      .then((blob) => {
        if (revoked) return;
        created = URL.createObjectURL(blob);
        setObjectUrl(created);
      })
      .catch(() => setObjectUrl(null));
    return () => {
      revoked = true;
      if (created) URL.revokeObjectURL(created);
    };
  }, [url]);
  return objectUrl;
}

export async function download(url: string, name: string): Promise<void> {
  const blob = await authorisedBlob(url);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
