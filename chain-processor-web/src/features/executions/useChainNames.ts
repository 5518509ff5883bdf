/** Chain names by id, for tables of executions. */
import { useMemo } from "react";
import { useChains } from "../../api/chains";

export function useChainNames(): { names: ReadonlyMap<string, string>; chains: { id: string; name: string }[] } {
  const chains = useChains({ offset: 0, limit: 500 });
  return useMemo(() => {
    const list = chains.data?.data ?? [];
    return { names: new Map(list.map((chain) => [chain.id, chain.name])), chains: list };
  }, [chains.data]);
}
