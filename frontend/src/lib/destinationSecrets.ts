// Secret destination settings (backend/workflows/secrets.py): the api never returns their
// value, only `<field>: null` with `<field>_set: true`. Sending that back keeps the stored
// value; sending a string replaces it. The editor keeps them out of the JSON text.
// Which settings are secret comes from the api's OpenAPI document (the schema the typed
// client is generated from and `make api-client` keeps current): `DestinationSettings`
// maps each destination type to its settings model, whose secret fields say
// `"secret": true` (backend/app.py, backend/workflows/secrets.py).
import openapi from "../../openapi.json";
import type { Json } from "@/lib/paths";

interface PropertySchema {
  secret?: boolean;
}
interface ObjectSchema {
  properties?: Record<string, PropertySchema | { $ref?: string }>;
}

function secretFieldsFromSchema(): Record<string, string[]> {
  const schemas = openapi.components.schemas as unknown as Record<string, ObjectSchema>;
  const byType = schemas.DestinationSettings?.properties ?? {};
  const out: Record<string, string[]> = {};
  for (const [type, reference] of Object.entries(byType)) {
    const name = ("$ref" in reference ? reference.$ref : undefined)?.split("/").pop();
    const model = name ? schemas[name] : undefined;
    const secret = Object.entries(model?.properties ?? {})
      .filter(([, field]) => (field as PropertySchema).secret === true)
      .map(([field]) => field);
    if (secret.length) out[type] = secret.sort();
  }
  return out;
}

export const SECRET_FIELDS: Record<string, string[]> = secretFieldsFromSchema();

type Settings = Json;

export function secretsOf(type: string): string[] {
  return SECRET_FIELDS[type] ?? [];
}

/** The settings without the secret fields and their `_set` markers (for the JSON text). */
export function publicSettings(type: string, settings: Json): Settings {
  const out: Settings = { ...(settings ?? {}) };
  for (const field of secretsOf(type)) {
    delete out[field];
    delete out[`${field}_set`];
  }
  return out;
}

/** Only the secret fields and markers, to merge back after the JSON text is edited. */
export function secretPart(type: string, settings: Json): Settings {
  const all = settings ?? {};
  const out: Settings = {};
  for (const field of secretsOf(type)) {
    if (field in all) out[field] = all[field];
    if (`${field}_set` in all) out[`${field}_set`] = all[`${field}_set`];
  }
  return out;
}

export function isSaved(settings: Json, field: string): boolean {
  return (settings ?? {})[`${field}_set`] === true;
}

/** A new value for one secret; an empty one keeps what is stored (if anything). */
export function withSecret(settings: Json, field: string, value: string): Settings {
  const out: Settings = { ...(settings ?? {}) };
  out[field] = value === "" ? null : value;
  return out;
}

/** Drop a saved secret on the next save (e.g. to switch Slack from webhook to bot token). */
export function withoutSecret(settings: Json, field: string): Settings {
  return { ...(settings ?? {}), [field]: null, [`${field}_set`]: false };
}
