"use client";
// Small form pieces of the workflow editor.
import { useState, type ReactNode } from "react";
import { Field } from "@/components/ui";
import type { FieldErrors } from "@/lib/errors";
import { splitList } from "@/lib/paths";

/** The api's 422 names a field "config.<path>": the message for the input at <path>. */
export function errorFor(fields: FieldErrors, path: string): string | undefined {
  return fields[`config.${path}`] ?? fields[path];
}

/** The first message for any item of a list field ("config.<path>[i]"). */
export function itemErrorFor(fields: FieldErrors, path: string): string | undefined {
  return errorFor(fields, path) ?? Object.entries(fields).find(([f]) => f.startsWith(`config.${path}[`))?.[1];
}

export function Check({
  label,
  checked,
  onChange,
  disabled,
  hint,
}: {
  label: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  disabled?: boolean;
  hint?: string;
}) {
  return (
    <label className={`flex items-center gap-2 text-sm ${disabled ? "text-slate-500" : ""}`}>
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      {label}
      {hint && <span className="text-xs text-slate-600">({hint})</span>}
    </label>
  );
}

export function ListField({
  label,
  value,
  onChange,
  error,
  hint,
}: {
  label: string;
  value: string[];
  onChange: (v: string[]) => void;
  error?: string;
  hint?: string;
}) {
  const [text, setText] = useState(value.join(", "));
  return <Field label={label} value={text} hint={hint} error={error} onChange={(e) => setText(e.target.value)} onBlur={() => onChange(splitList(text))} />;
}

export function Fieldset({ legend, children }: { legend: string; children: ReactNode }) {
  return (
    <fieldset className="grid gap-3 rounded border border-slate-200 p-3 sm:grid-cols-2">
      <legend className="px-1 font-semibold">{legend}</legend>
      {children}
    </fieldset>
  );
}

