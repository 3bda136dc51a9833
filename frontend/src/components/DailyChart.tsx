"use client";
// A rate per day as small SVG bars, with the same numbers as a table for screen readers
// and for anyone who prefers figures (the chart is a picture of the table, never more).
import type { Schemas } from "@/api/client";

type DayPoint = Schemas["DayPoint"];

const WIDTH = 8;
const GAP = 2;
const HEIGHT = 48;

export const percent = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${Math.round(v * 100)} %`);

export function overall(days: DayPoint[], part: "passed" | "cache_hits", whole: "tests" | "cache_steps"): number | null {
  const total = days.reduce((n, d) => n + d[whole], 0);
  return total ? days.reduce((n, d) => n + d[part], 0) / total : null;
}

export function DailyChart({
  title,
  days,
  rate,
  detail,
}: {
  title: string;
  days: DayPoint[];
  rate: (day: DayPoint) => number | null | undefined;
  detail: (day: DayPoint) => string;
}) {
  const withData = days.filter((d) => rate(d) !== null && rate(d) !== undefined);
  const label = `${title} per day over the last ${days.length} days; ${withData.length} days with runs.`;
  return (
    <figure className="flex flex-col gap-2">
      <figcaption className="text-sm font-medium text-slate-800">{title}</figcaption>
      <svg
        role="img"
        aria-label={label}
        viewBox={`0 0 ${days.length * (WIDTH + GAP)} ${HEIGHT}`}
        className="h-12 w-full max-w-md border-b border-slate-300"
        preserveAspectRatio="none"
      >
        {days.map((day, i) => {
          const value = rate(day);
          const height = value === null || value === undefined ? 0 : Math.max(2, value * HEIGHT);
          return (
            <rect
              key={day.day}
              x={i * (WIDTH + GAP)}
              y={HEIGHT - height}
              width={WIDTH}
              height={height}
              className={value === 1 ? "fill-green-600" : "fill-blue-700"}
            >
              <title>{`${day.day}: ${percent(value)}`}</title>
            </rect>
          );
        })}
      </svg>
      <details className="text-sm">
        <summary className="cursor-pointer text-blue-800 underline">{title}: show as a table</summary>
        {withData.length === 0 ? (
          <p className="mt-2 text-slate-600">No finished runs in this period.</p>
        ) : (
          <table className="mt-2 text-left">
            <caption className="sr-only">{title} per day</caption>
            <thead>
              <tr>
                <th className="pr-4">Day</th>
                <th className="pr-4">Rate</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {withData.map((day) => (
                <tr key={day.day}>
                  <td className="pr-4">{day.day}</td>
                  <td className="pr-4">{percent(rate(day))}</td>
                  <td>{detail(day)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </figure>
  );
}
