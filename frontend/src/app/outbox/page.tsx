"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { api } from "@/api/client";
import { Card, Empty, ErrorNote, Loading } from "@/components/ui";
import { queries } from "@/api/queries";

// Links in the e-mails point at the api (they also work without the dashboard); here
// they open the dashboard's page for the same token instead.
const DASHBOARD_LINKS: [RegExp, string][] = [
  [/\/api\/auth\/verify-email\?token=([\w-]+)/, "/verify/?token="],
  [/\/reset-password\?token=([\w-]+)/, "/reset-password/?token="],
];

function dashboardLinks(text: string): { href: string; label: string }[] {
  const links: { href: string; label: string }[] = [];
  for (const [pattern, page] of DASHBOARD_LINKS) {
    const match = pattern.exec(text);
    if (match?.[1]) links.push({ href: page + match[1], label: page.startsWith("/verify") ? "Verify e-mail" : "Reset password" });
  }
  return links;
}

export default function OutboxPage() {
  const outbox = useQuery({
    ...queries.outbox(),
    refetchInterval: 3000,
  });
  return (
    <Card title="Local outbox">
      <p className="mb-4 text-sm text-slate-700">
        Without an e-mail provider configured, TestAble keeps its e-mails here (this page exists only when
        TestAble runs on this machine).
      </p>
      {outbox.isPending && <Loading what="e-mails" />}
      {outbox.isError && <ErrorNote error={outbox.error} />}
      {outbox.data?.length === 0 && <Empty>No e-mails yet.</Empty>}
      <ul className="flex flex-col gap-4">
        {outbox.data?.map((message) => (
          <li key={message.id} className="rounded border border-slate-200 p-3">
            <h3 className="font-medium">{message.subject}</h3>
            <p className="text-sm text-slate-600">
              to {message.to_email} · {new Date(message.created_at).toLocaleString()}
            </p>
            <div className="mt-2 flex gap-3">
              {dashboardLinks(message.text).map((link) => (
                <Link key={link.href} href={link.href} className="font-medium text-blue-800 underline">
                  {link.label}
                </Link>
              ))}
            </div>
            <details className="mt-2">
              <summary className="cursor-pointer text-sm text-slate-700">Show the e-mail</summary>
              <pre className="mt-2 whitespace-pre-wrap break-words text-sm">{message.text}</pre>
            </details>
          </li>
        ))}
      </ul>
    </Card>
  );
}
