/** Per-variant figures of a chain's runs: how many, how many succeeded, mean time. */
export interface RunSummary {
  strategy_version_id: string;
  status: string;
  execution_time_ms?: number | null;
}

export interface VariantStats {
  versionId: string;
  runs: number;
  succeeded: number;
  successRate: number;
  meanMs: number | null;
}

export function variantStats(runs: readonly RunSummary[]): VariantStats[] {
  const groups = new Map<string, RunSummary[]>();
  for (const run of runs) {
    const group = groups.get(run.strategy_version_id) ?? [];
    group.push(run);
    groups.set(run.strategy_version_id, group);
  }
  return [...groups].map(([versionId, group]) => {
    const succeeded = group.filter((run) => run.status === "succeeded").length;
    const times = group.map((run) => run.execution_time_ms).filter((ms): ms is number => typeof ms === "number");
    return {
      versionId,
      runs: group.length,
      succeeded,
      successRate: succeeded / group.length,
      meanMs: times.length ? times.reduce((sum, ms) => sum + ms, 0) / times.length : null,
    };
  }).sort((a, b) => b.runs - a.runs);
}
