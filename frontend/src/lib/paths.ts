// Reading and writing a nested configuration by its dotted path ("execution.timeout"),
// the same path the api names in a 422's details (prefixed with "config.").
export type Json = Record<string, unknown>;

export function getPath(data: Json, path: string): unknown {
  return path.split(".").reduce<unknown>((node, part) => (node as Json | undefined)?.[part], data);
}

export function setPath(data: Json, path: string, value: unknown): Json {
  const [head, ...rest] = path.split(".");
  if (head === undefined) return data;
  if (rest.length === 0) return { ...data, [head]: value };
  const child = (data[head] as Json | undefined) ?? {};
  return { ...data, [head]: setPath(child, rest.join("."), value) };
}

/** "a, b\nc" -> ["a", "b", "c"] */
export function splitList(text: string): string[] {
  return text
    .split(/[\n,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
