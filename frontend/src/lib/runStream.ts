"use client";
// The live view of one run over /api/ws/runs/{id} (docs/run-events.md, backend/runs/sockets.py):
// authenticate with the first message, resume after the last sequence number seen when the
// socket drops, so every event is applied exactly once and in order.
import { useEffect, useReducer } from "react";
import type { EventOut } from "@/api/client";
import { tokens } from "@/lib/tokens";

export interface LiveStep {
  index: number | null;
  instruction: string;
  action: string | null;
  decision: string | null;
  confidence: number | null;
}

export interface LiveTest {
  nodeid: string;
  status: "running" | string;
  duration: number | null;
  steps: LiveStep[];
}

export interface Progress {
  status: string;
  collected: number;
  done: number;
  counts: Record<string, number>;
  percent: number;
  current: string | null;
}

export interface LiveRun {
  connection: "connecting" | "live" | "reconnecting" | "closed" | "refused";
  lastSeq: number;
  progress: Progress | null;
  status: string | null;
  tests: LiveTest[];
  output: string[];
}

const MAX_OUTPUT_LINES = 2000;

type Action =
  | { kind: "connection"; value: LiveRun["connection"] }
  | { kind: "event"; event: EventOut }
  | { kind: "progress"; progress: Progress };

const initial: LiveRun = { connection: "connecting", lastSeq: 0, progress: null, status: null, tests: [], output: [] };

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}

function upsertTest(tests: LiveTest[], nodeid: string, change: (test: LiveTest) => LiveTest): LiveTest[] {
  const at = tests.findIndex((t) => t.nodeid === nodeid);
  if (at === -1) return [...tests, change({ nodeid, status: "running", duration: null, steps: [] })];
  const next = tests.slice();
  next[at] = change(tests[at] as LiveTest);
  return next;
}

/** Apply one stored event; exported for the unit of the live view (pure). */
export function applyEvent(state: LiveRun, event: EventOut): LiveRun {
  if (event.seq <= state.lastSeq) return state;
  const data = event.data as Record<string, unknown>;
  const next: LiveRun = { ...state, lastSeq: event.seq };
  const nodeid = text(data.nodeid);
  switch (event.type) {
    case "run_status":
      next.status = text(data.status) ?? state.status;
      break;
    case "test_started":
      if (nodeid) next.tests = upsertTest(state.tests, nodeid, (t) => ({ ...t, status: "running" }));
      break;
    case "test_finished":
      if (nodeid)
        next.tests = upsertTest(state.tests, nodeid, (t) => ({
          ...t,
          status: text(data.outcome) ?? "passed",
          duration: num(data.duration),
        }));
      break;
    case "step":
      if (nodeid)
        next.tests = upsertTest(state.tests, nodeid, (t) => ({
          ...t,
          steps: [
            ...t.steps,
            {
              index: num(data.index),
              instruction: text(data.instruction) ?? "",
              action: text(data.action),
              decision: text(data.decision),
              confidence: num(data.confidence),
            },
          ],
        }));
      break;
    case "output": {
      const line = text(data.line);
      if (line !== null) next.output = [...state.output, line].slice(-MAX_OUTPUT_LINES);
      break;
    }
  }
  return next;
}

function reducer(state: LiveRun, action: Action): LiveRun {
  switch (action.kind) {
    case "connection":
      return { ...state, connection: action.value };
    case "event":
      return applyEvent(state, action.event);
    case "progress":
      return { ...state, progress: action.progress, status: action.progress.status };
  }
}

const RECONNECT_MS = [500, 1000, 2000, 5000];

export function useRunStream(runId: string | null): LiveRun {
  const [state, dispatch] = useReducer(reducer, initial);

  useEffect(() => {
    if (!runId) return;
    let socket: WebSocket | null = null;
    let stopped = false;
    let attempt = 0;
    let refusals = 0; // 1008 twice in a row: not an expired token but no access
    let lastSeq = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;

    async function connect(): Promise<void> {
      const token = tokens.access() ?? (await tokens.refresh());
      if (stopped) return;
      if (!token) {
        dispatch({ kind: "connection", value: "refused" });
        return;
      }
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${window.location.host}/api/ws/runs/${runId}`);
      socket.onopen = () => {
        socket?.send(JSON.stringify({ type: "auth", token, after: lastSeq }));
        attempt = 0;
        dispatch({ kind: "connection", value: "live" });
      };
      socket.onmessage = (message: MessageEvent<string>) => {
        refusals = 0;
        const payload = JSON.parse(message.data) as
          | { type: "event"; event: EventOut }
          | ({ type: "progress" } & Progress)
          | { type: "heartbeat" };
        if (payload.type === "event") {
          lastSeq = Math.max(lastSeq, payload.event.seq);
          dispatch({ kind: "event", event: payload.event });
        } else if (payload.type === "progress") {
          const { type: _type, ...progress } = payload;
          dispatch({ kind: "progress", progress });
        }
      };
      socket.onclose = (close) => {
        if (stopped) return;
        if (close.code === 1000) {
          dispatch({ kind: "connection", value: "closed" }); // the run finished, all sent
          return;
        }
        if (close.code === 1008) {
          refusals += 1;
          if (refusals > 1) {
            dispatch({ kind: "connection", value: "refused" });
            return;
          }
          void tokens.refresh(); // perhaps only the access token expired
        }
        dispatch({ kind: "connection", value: "reconnecting" });
        const delay = RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)];
        attempt += 1;
        timer = setTimeout(() => void connect(), delay);
      };
    }

    void connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [runId]);

  return state;
}
