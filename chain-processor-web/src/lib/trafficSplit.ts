/** A traffic split being edited: rows of version and weight (as typed), checked before sending. */
export interface SplitRow {
  version: string;
  weight: string;
}

export type RowProblem = "versionRequired" | "duplicate" | "weightRange";

export interface SplitCheck {
  /** Problems by row index and field. */
  rows: { version?: RowProblem; weight?: RowProblem }[];
  total: number;
  /** The weights do not sum to 100. */
  badTotal: boolean;
  ok: boolean;
}

export const MAX_VARIANTS = 10;

function weightOf(text: string): number | null {
  if (!/^\d{1,3}$/.test(text.trim())) return null;
  const weight = Number(text);
  return weight <= 100 ? weight : null;
}

export function checkSplit(rows: readonly SplitRow[]): SplitCheck {
  const seen = new Set<string>();
  let total = 0;
  const problems = rows.map((row) => {
    const problem: SplitCheck["rows"][number] = {};
    if (!row.version) problem.version = "versionRequired";
    else if (seen.has(row.version)) problem.version = "duplicate";
    seen.add(row.version);
    const weight = weightOf(row.weight);
    if (weight === null) problem.weight = "weightRange";
    else total += weight;
    return problem;
  });
  const badTotal = total !== 100;
  const ok = rows.length > 0 && !badTotal && problems.every((problem) => !problem.version && !problem.weight);
  return { rows: problems, total, badTotal, ok };
}

/** The rows as the API takes them; call only when `checkSplit(rows).ok`. */
export function toVariants(rows: readonly SplitRow[]): { version: string; weight: number }[] {
  return rows.map((row) => ({ version: row.version, weight: Number(row.weight) }));
}

/** A field path of the API (`variants.1.weight`) as a row index and field, if it is one. */
export function rowField(path: string): { index: number; field: "version" | "weight" } | null {
  const match = /^variants\.(\d+)\.(version|weight)$/.exec(path);
  return match ? { index: Number(match[1]), field: match[2] as "version" | "weight" } : null;
}
