/** The optional config of a test-run, typed as JSON text: empty, or a JSON object. */
export type ConfigProblem = "invalidJson" | "notObject";

export type ParsedConfig =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; problem: ConfigProblem };

export function parseConfigJson(text: string): ParsedConfig {
  if (!text.trim()) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: "invalidJson" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { ok: false, problem: "notObject" };
  return { ok: true, value: value as Record<string, unknown> };
}
