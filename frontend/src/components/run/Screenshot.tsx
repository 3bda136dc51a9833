"use client";
// A screenshot large enough to read, opening full size in a new tab (through an object URL:
// artifacts need the Bearer token, which a plain link cannot send).
import type { Schemas } from "@/api/client";
import { Loading } from "@/components/ui";
import { useObjectUrl } from "@/lib/artifacts";

export function Screenshot({ artifact }: { artifact: Schemas["ArtifactOut"] }) {
  const src = useObjectUrl(artifact.download_url || null);
  const name = artifact.path.split("/").pop() ?? artifact.path;
  return (
    <figure className="rounded border border-slate-200 p-2" data-testid="screenshot">
      {src ? (
        <a href={src} target="_blank" rel="noreferrer" title="Open full size">
          <img src={src} alt={`Screenshot ${name}`} className="w-full rounded border border-slate-100 object-contain" />
        </a>
      ) : (
        <Loading what="screenshot" />
      )}
      <figcaption className="mt-1 break-all text-xs text-slate-600">
        {artifact.path} {src && <span>· select it to open full size</span>}
      </figcaption>
    </figure>
  );
}
