"use client";
// Small building blocks shared by the pages: labelled fields, buttons, states.
import type { InputHTMLAttributes, ReactNode } from "react";
import { useId } from "react";
import { ApiError } from "@/lib/errors";

export function Field({
  label,
  error,
  hint,
  ...input
}: { label: string; error?: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const describedBy = [error ? `${id}-error` : "", hint ? `${id}-hint` : ""].join(" ").trim();
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        className="rounded border border-slate-400 bg-white px-3 py-2 text-slate-900"
        {...input}
      />
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

export function Button({
  children,
  busy,
  variant = "primary",
  ...rest
}: {
  children: ReactNode;
  busy?: boolean;
  variant?: "primary" | "secondary" | "danger";
} & React.ButtonHTMLAttributes<HTMLButtonElement>) {
  const colours = {
    primary: "bg-blue-700 text-white hover:bg-blue-800",
    secondary: "border border-slate-400 bg-white text-slate-800 hover:bg-slate-100",
    danger: "bg-red-700 text-white hover:bg-red-800",
  }[variant];
  return (
    <button
      type="submit"
      disabled={busy || rest.disabled}
      aria-busy={busy || undefined}
      className={`rounded px-4 py-2 font-medium disabled:opacity-60 ${colours}`}
      {...rest}
    >
      {busy ? "Working…" : children}
    </button>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message =
    typeof error === "string"
      ? error
      : error instanceof ApiError
        ? error.message
        : "Something went wrong. Try again in a moment.";
  return (
    <p role="alert" className="rounded border border-red-300 bg-red-50 px-3 py-2 text-red-800">
      {message}
    </p>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="rounded border border-green-300 bg-green-50 px-3 py-2 text-green-900">
      {children}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" className="text-slate-600">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="rounded border border-dashed border-slate-300 p-6 text-slate-600">{children}</div>;
}

export function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="min-w-0 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:p-6">
      <h2 className="mb-4 text-lg font-semibold">{title}</h2>
      {children}
    </section>
  );
}

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="mx-auto mt-6 max-w-md rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
      <h1 className="mb-4 text-2xl font-semibold">{title}</h1>
      {children}
    </div>
  );
}

const STATUS_COLOURS: Record<string, string> = {
  passed: "bg-green-100 text-green-900",
  failed: "bg-red-100 text-red-900",
  error: "bg-red-100 text-red-900",
  errored: "bg-red-100 text-red-900",
  running: "bg-blue-100 text-blue-900",
  queued: "bg-slate-200 text-slate-900",
  skipped: "bg-yellow-100 text-yellow-900",
  cancelled: "bg-slate-200 text-slate-900",
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span
      className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${STATUS_COLOURS[status] ?? "bg-slate-100 text-slate-900"}`}
    >
      {status}
    </span>
  );
}
