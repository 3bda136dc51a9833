"use client";
// A workflow's reporting destinations: a type plus its settings as JSON, and the secret
// settings (which the api never returns) as their own password inputs.
import { useId, useState } from "react";
import { Button, Field } from "@/components/ui";
import { isSaved, publicSettings, secretPart, secretsOf, withSecret, withoutSecret } from "@/lib/destinationSecrets";
import type { FieldErrors } from "@/lib/errors";
import type { Json } from "@/lib/paths";

/** A secret setting: "saved" with a Replace button once stored, never its value. */
function SecretSetting({
  label,
  saved,
  error,
  onChange,
  onRemove,
}: {
  label: string;
  saved: boolean;
  error?: string;
  onChange: (text: string) => void;
  onRemove: () => void;
}) {
  const [replacing, setReplacing] = useState(false);
  if (saved && !replacing) {
    return (
      <div className="flex flex-wrap items-center gap-2 text-sm sm:col-span-3" data-testid="secret-setting">
        <span className="font-medium">{label}:</span>
        <span className="rounded bg-green-100 px-2 py-0.5 text-xs font-semibold text-green-900">saved</span>
        <Button type="button" variant="secondary" onClick={() => setReplacing(true)}>
          Replace {label}
        </Button>
        <Button type="button" variant="secondary" onClick={onRemove}>
          Remove {label}
        </Button>
        {error && <p className="w-full text-sm text-red-700">{error}</p>}
      </div>
    );
  }
  return (
    <div className="sm:col-span-3">
      <Field
        label={label}
        type="password"
        autoComplete="off"
        hint={saved ? "Leave empty to keep the saved value." : "Stored encrypted; never shown again."}
        error={error}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

export function DestinationsEditor({
  value,
  onChange,
  fields,
}: {
  value: { type: string; settings: Json }[];
  onChange: (v: { type: string; settings: Json }[]) => void;
  fields: FieldErrors;
}) {
  const id = useId();
  const [drafts, setDrafts] = useState(value.map((d) => JSON.stringify(publicSettings(d.type, d.settings), null, 2)));
  const [parseErrors, setParseErrors] = useState<Record<number, string>>({});
  return (
    <div className="flex flex-col gap-3 sm:col-span-2">
      {value.map((destination, i) => {
        const error =
          parseErrors[i] ??
          Object.entries(fields).find(([f]) => f.startsWith(`config.reporting.destinations[${i}]`))?.[1];
        return (
          <div key={i} className="grid gap-2 rounded border border-slate-200 p-2 sm:grid-cols-3">
            <Field
              label={`Destination ${i + 1} type`}
              value={destination.type}
              onChange={(e) => onChange(value.map((d, j) => (j === i ? { ...d, type: e.target.value } : d)))}
              hint="github_checks, pr_comment, slack, notion, email"
            />
            <label className="flex flex-col gap-1 text-sm font-medium sm:col-span-2" htmlFor={`${id}-${i}`}>
              {secretsOf(destination.type).length ? "Other settings (JSON)" : "Settings (JSON)"}
              <textarea
                id={`${id}-${i}`}
                className="h-24 rounded border border-slate-400 p-2 font-mono text-xs"
                value={drafts[i] ?? "{}"}
                aria-invalid={error ? true : undefined}
                onChange={(e) => setDrafts(drafts.map((d, j) => (j === i ? e.target.value : d)))}
                onBlur={() => {
                  try {
                    const parsed = JSON.parse(drafts[i] ?? "{}") as Json;
                    // Secrets live in their own inputs below; a secret typed into the
                    // JSON instead still counts (the api encrypts it either way).
                    const settings = { ...secretPart(destination.type, destination.settings), ...parsed };
                    setParseErrors({ ...parseErrors, [i]: undefined as unknown as string });
                    onChange(value.map((d, j) => (j === i ? { ...d, settings } : d)));
                  } catch {
                    setParseErrors({ ...parseErrors, [i]: "This is not valid JSON." });
                  }
                }}
              />
            </label>
            {secretsOf(destination.type).map((field) => (
              <SecretSetting
                key={field}
                label={`Destination ${i + 1} ${field.replace("_", " ")}`}
                saved={isSaved(destination.settings, field)}
                error={fields[`config.reporting.destinations[${i}].settings.${field}`]}
                onChange={(text) =>
                  onChange(value.map((d, j) => (j === i ? { ...d, settings: withSecret(d.settings, field, text) } : d)))
                }
                onRemove={() =>
                  onChange(value.map((d, j) => (j === i ? { ...d, settings: withoutSecret(d.settings, field) } : d)))
                }
              />
            ))}
            {error && <p className="text-sm text-red-700 sm:col-span-3">{error}</p>}
            <div className="sm:col-span-3">
              <Button
                type="button"
                variant="secondary"
                onClick={() => {
                  onChange(value.filter((_, j) => j !== i));
                  setDrafts(drafts.filter((_, j) => j !== i));
                }}
              >
                Remove destination {i + 1}
              </Button>
            </div>
          </div>
        );
      })}
      <div>
        <Button
          type="button"
          variant="secondary"
          onClick={() => {
            onChange([...value, { type: "slack", settings: {} }]);
            setDrafts([...drafts, "{}"]);
          }}
        >
          Add a destination
        </Button>
      </div>
    </div>
  );
}

