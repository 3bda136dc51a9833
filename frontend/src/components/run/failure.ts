// A failure message as people read it: its lines kept, and the expected / actual values
// pulled out when the message states them (pytest's "assert a == b", Playwright's
// "Expected: … / Received: …", "expected … but got …").
export interface Failure {
  lines: string[];
  expected: string | null;
  actual: string | null;
}

const LABELLED = /^\s*(expected|received|actual)(?: (?:string|value|pattern))?\s*:\s*(.+)$/i;
const ASSERT_EQ = /^(?:AssertionError:\s*)?assert\s+(.+?)\s*==\s*(.+)$/;
const EXPECTED_BUT = /expected\s+(.+?),?\s+but\s+(?:got|was|found)\s+(.+)$/i;

export function parseFailure(message: string): Failure {
  const lines = message.replace(/\r\n/g, "\n").split("\n");
  let expected: string | null = null;
  let actual: string | null = null;
  for (const line of lines) {
    const labelled = LABELLED.exec(line);
    if (labelled) {
      const value = (labelled[2] ?? "").trim();
      if ((labelled[1] ?? "").toLowerCase() === "expected") expected ??= value;
      else actual ??= value;
      continue;
    }
    const equal = ASSERT_EQ.exec(line.trim());
    if (equal && expected === null && actual === null) {
      actual = equal[1] ?? null;
      expected = equal[2] ?? null;
      continue;
    }
    const but = EXPECTED_BUT.exec(line);
    if (but && expected === null && actual === null) {
      expected = but[1] ?? null;
      actual = but[2] ?? null;
    }
  }
  return { lines, expected, actual };
}
