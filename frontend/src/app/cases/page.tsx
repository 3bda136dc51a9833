"use client";
// A project's test cases: the suite tree (suites and their sections) to narrow the list,
// search and filters, a new case, bulk status changes, and links to the CSV import, the
// export and the test plans.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { api, type Schemas } from "@/api/client";
import { queries } from "@/api/queries";
import { caseKeys, caseQueries, type CasesQuery } from "@/api/queries/cases";
import { withSuspense } from "@/components/Page";
import { Button, Card, Empty, ErrorNote, Field, Loading } from "@/components/ui";
import { unwrap } from "@/lib/errors";
import { useParam, useRequireAuth } from "@/lib/useRequireAuth";

type SuiteOut = Schemas["SuiteOut"];
type SectionOut = Schemas["SectionOut"];

const PRIORITIES = ["low", "medium", "high", "critical"] as const;
const STATUSES = ["draft", "ready", "deprecated"] as const;
const AUTOMATIONS = ["manual", "automated", "to_automate"] as const;

interface Place {
  suiteId?: string;
  sectionId?: string;
}

function Sections({ sections, place, choose }: { sections: SectionOut[]; place: Place; choose: (p: Place) => void }) {
  if (sections.length === 0) return null;
  return (
    <ul className="ml-4 border-l border-slate-200 pl-2">
      {sections.map((s) => (
        <li key={s.id}>
          <button
            type="button"
            aria-current={place.sectionId === s.id || undefined}
            className={`text-left hover:underline ${place.sectionId === s.id ? "font-semibold text-blue-800" : ""}`}
            onClick={() => choose({ suiteId: s.suite_id, sectionId: s.id })}
          >
            {s.name}
          </button>
          <Sections sections={s.children ?? []} place={place} choose={choose} />
        </li>
      ))}
    </ul>
  );
}

function SuiteTree({ projectId, place, choose }: { projectId: string; place: Place; choose: (p: Place) => void }) {
  const queryClient = useQueryClient();
  const suites = useQuery(caseQueries.suites(projectId));
  const [name, setName] = useState("");
  const [sectionName, setSectionName] = useState("");
  const addSuite = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/projects/{project_id}/suites", { params: { path: { project_id: projectId } }, body: { name } })),
    onSuccess: () => {
      setName("");
      void queryClient.invalidateQueries({ queryKey: caseKeys.suites(projectId) });
    },
  });
  const addSection = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/suites/{suite_id}/sections", {
          params: { path: { suite_id: place.suiteId ?? "" } },
          body: { name: sectionName, parent_id: place.sectionId ?? null },
        }),
      ),
    onSuccess: () => {
      setSectionName("");
      void queryClient.invalidateQueries({ queryKey: caseKeys.suites(projectId) });
    },
  });
  if (suites.isPending) return <Loading what="suites" />;
  if (suites.isError) return <ErrorNote error={suites.error} />;
  return (
    <nav aria-label="Suites" className="flex flex-col gap-2 text-sm">
      <button type="button" className={`text-left hover:underline ${!place.suiteId ? "font-semibold text-blue-800" : ""}`} onClick={() => choose({})}>
        All cases
      </button>
      <ul className="flex flex-col gap-1">
        {suites.data.map((suite: SuiteOut) => (
          <li key={suite.id}>
            <button
              type="button"
              aria-current={(place.suiteId === suite.id && !place.sectionId) || undefined}
              className={`text-left hover:underline ${place.suiteId === suite.id && !place.sectionId ? "font-semibold text-blue-800" : ""}`}
              onClick={() => choose({ suiteId: suite.id })}
            >
              {suite.name}
            </button>
            <Sections sections={suite.sections ?? []} place={place} choose={choose} />
          </li>
        ))}
      </ul>
      <form
        className="mt-2 flex gap-1"
        aria-label="New suite"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          addSuite.mutate();
        }}
      >
        <input aria-label="Suite name" className="w-32 rounded border border-slate-400 px-2 py-1" value={name} onChange={(e) => setName(e.target.value)} placeholder="New suite" required />
        <button className="rounded border border-slate-400 px-2">Add</button>
      </form>
      {addSuite.isError && <ErrorNote error={addSuite.error} />}
      {place.suiteId && (
        <form
          className="flex gap-1"
          aria-label="New section"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            addSection.mutate();
          }}
        >
          <input aria-label="Section name" className="w-32 rounded border border-slate-400 px-2 py-1" value={sectionName} onChange={(e) => setSectionName(e.target.value)} placeholder="New section here" required />
          <button className="rounded border border-slate-400 px-2">Add</button>
        </form>
      )}
      {addSection.isError && <ErrorNote error={addSection.error} />}
    </nav>
  );
}

function NewCase({ projectId, place }: { projectId: string; place: Place }) {
  const queryClient = useQueryClient();
  const [title, setTitle] = useState("");
  const [priority, setPriority] = useState<(typeof PRIORITIES)[number]>("medium");
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/projects/{project_id}/cases", {
          params: { path: { project_id: projectId } },
          body: { title, priority, suite_id: place.sectionId ? null : (place.suiteId ?? null), section_id: place.sectionId ?? null },
        }),
      ),
    onSuccess: () => {
      setTitle("");
      void queryClient.invalidateQueries({ queryKey: caseKeys.projectCasesAll(projectId) });
    },
  });
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      aria-label="New case"
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <div className="min-w-64 flex-1">
        <Field label="New case title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={500} />
      </div>
      <label className="flex flex-col text-sm">
        Priority
        <select className="rounded border border-slate-400 bg-white px-2 py-2" value={priority} onChange={(e) => setPriority(e.target.value as (typeof PRIORITIES)[number])}>
          {PRIORITIES.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </label>
      <Button busy={create.isPending}>Create case</Button>
      {create.isError && <ErrorNote error={create.error} />}
      {create.data && (
        <p role="status" className="w-full text-sm">
          Created{" "}
          <Link className="text-blue-800 underline" href={`/cases/view/?id=${create.data.id}`}>
            {create.data.key}
          </Link>
          .
        </p>
      )}
    </form>
  );
}

function CasesPage() {
  const ready = useRequireAuth();
  const projectId = useParam("project");
  const queryClient = useQueryClient();
  const [place, setPlace] = useState<Place>({});
  const [q, setQ] = useState("");
  const [tag, setTag] = useState("");
  const [priority, setPriority] = useState("");
  const [status, setStatus] = useState("");
  const [automation, setAutomation] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const filter: CasesQuery = {
    q: q || undefined,
    suite_id: place.suiteId && !place.sectionId ? [place.suiteId] : undefined,
    section_id: place.sectionId ? [place.sectionId] : undefined,
    tag: tag ? [tag] : undefined,
    priority: priority ? [priority] : undefined,
    status: status ? [status] : undefined,
    automation: automation ? [automation] : undefined,
    limit: 200,
  };
  const project = useQuery({ ...queries.project(projectId ?? ""), enabled: ready && !!projectId });
  const cases = useQuery({
    ...caseQueries.projectCases(projectId ?? "", filter),
    enabled: ready && !!projectId,
    placeholderData: keepPreviousData,
  });
  const bulk = useMutation({
    mutationFn: async (newStatus: string) =>
      unwrap(
        await api.POST("/api/projects/{project_id}/cases/bulk", {
          params: { path: { project_id: projectId ?? "" } },
          body: { case_ids: [...selected], changes: { status: newStatus as (typeof STATUSES)[number] } },
        }),
      ),
    onSuccess: () => {
      setSelected(new Set());
      void queryClient.invalidateQueries({ queryKey: caseKeys.projectCasesAll(projectId ?? "") });
    },
  });
  const download = useMutation({
    mutationFn: async () => {
      const text = unwrap(
        await api.GET("/api/projects/{project_id}/cases/export", {
          params: { path: { project_id: projectId ?? "" } },
          parseAs: "text",
        }),
      );
      const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = "cases.csv";
      a.click();
      URL.revokeObjectURL(url);
    },
  });
  if (!ready) return <Loading what="your account" />;
  if (!projectId) return <ErrorNote error="No project chosen. Pick one on the projects page." />;
  const select = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    setSelected(next);
  };
  return (
    <div className="flex flex-col gap-6">
      <div>
        <Link href={`/runs/?project=${projectId}`} className="text-sm text-blue-800 underline">
          ← Runs
        </Link>
        <h1 className="text-2xl font-semibold">{project.data?.name ?? "Project"} · test cases</h1>
        <div className="flex flex-wrap gap-4 text-sm">
          <Link href={`/plans/?project=${projectId}`} className="text-blue-800 underline">
            Test plans
          </Link>
          <Link href={`/cases/import/?project=${projectId}`} className="text-blue-800 underline">
            Import CSV
          </Link>
          <button type="button" className="text-blue-800 underline" onClick={() => download.mutate()}>
            Export CSV
          </button>
        </div>
        {download.isError && <ErrorNote error={download.error} />}
      </div>
      <Card title="New case">
        <NewCase projectId={projectId} place={place} />
      </Card>
      <div className="grid gap-6 md:grid-cols-[14rem_1fr]">
        <Card title="Suites">
          <SuiteTree projectId={projectId} place={place} choose={setPlace} />
        </Card>
        <Card title="Cases">
          <div className="mb-4 flex flex-wrap gap-3" role="group" aria-label="Filters">
            <label className="flex flex-col text-sm">
              Search
              <input className="rounded border border-slate-400 bg-white px-2 py-1.5" value={q} onChange={(e) => setQ(e.target.value)} placeholder="title or TC-12" />
            </label>
            <label className="flex flex-col text-sm">
              Tag
              <input className="w-28 rounded border border-slate-400 bg-white px-2 py-1.5" value={tag} onChange={(e) => setTag(e.target.value)} />
            </label>
            {(
              [
                ["Priority", priority, setPriority, PRIORITIES],
                ["Status", status, setStatus, STATUSES],
                ["Automation", automation, setAutomation, AUTOMATIONS],
              ] as const
            ).map(([label, value, set, options]) => (
              <label key={label} className="flex flex-col text-sm">
                {label}
                <select className="rounded border border-slate-400 bg-white px-2 py-1.5" value={value} onChange={(e) => set(e.target.value)}>
                  <option value="">any</option>
                  {options.map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
              </label>
            ))}
          </div>
          {selected.size > 0 && (
            <div className="mb-3 flex items-center gap-2 text-sm" role="group" aria-label="Bulk edit">
              {selected.size} selected — set status:
              {STATUSES.map((s) => (
                <button key={s} type="button" className="rounded border border-slate-400 px-2 py-0.5" onClick={() => bulk.mutate(s)}>
                  {s}
                </button>
              ))}
              {bulk.isError && <ErrorNote error={bulk.error} />}
            </div>
          )}
          {cases.isPending && <Loading what="cases" />}
          {cases.isError && <ErrorNote error={cases.error} />}
          {cases.data && cases.data.items.length === 0 && <Empty>No case matches.</Empty>}
          {cases.data && cases.data.items.length > 0 && (
            <table className="w-full text-left text-sm">
              <thead>
                <tr className="border-b border-slate-200">
                  <th className="w-8">
                    <span className="sr-only">Select</span>
                  </th>
                  <th>Key</th>
                  <th>Title</th>
                  <th>Priority</th>
                  <th>Status</th>
                  <th>Automation</th>
                  <th>Tags</th>
                </tr>
              </thead>
              <tbody>
                {cases.data.items.map((c) => (
                  <tr key={c.id} className="border-b border-slate-100">
                    <td>
                      <input type="checkbox" aria-label={`Select ${c.key}`} checked={selected.has(c.id)} onChange={(e) => select(c.id, e.target.checked)} />
                    </td>
                    <td className="font-mono">
                      <Link className="text-blue-800 underline" href={`/cases/view/?id=${c.id}`}>
                        {c.key}
                      </Link>
                    </td>
                    <td>{c.title}</td>
                    <td>{c.priority}</td>
                    <td>{c.status}</td>
                    <td>{c.automation.replace("_", " ")}</td>
                    <td>{c.tags.join(", ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {cases.data && <p className="mt-2 text-sm text-slate-600">{cases.data.total} cases</p>}
        </Card>
      </div>
    </div>
  );
}

export default withSuspense(CasesPage);
