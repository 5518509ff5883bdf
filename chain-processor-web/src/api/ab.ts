/** A/B runs (one input through two chain versions) and a chain's traffic split with its per-variant stats. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createAbRun, readAbRun, readTrafficSplit, readVariants, updateTrafficSplit } from "../client/sdk.gen";
import type { AbRunCreate, TrafficSplitUpdate } from "../client/types.gen";
import { ApiError, call } from "./http";

const POLL_MS = 1000;

export const abKeys = {
  all: ["ab"] as const,
  run: (id: string) => [...abKeys.all, "run", id] as const,
  chain: (chainId: string) => [...abKeys.all, "chain", chainId] as const,
  split: (chainId: string) => [...abKeys.chain(chainId), "split"] as const,
  variants: (chainId: string) => [...abKeys.chain(chainId), "variants"] as const,
};

export function useCreateAbRun() {
  return useMutation({ mutationFn: (body: AbRunCreate) => call(createAbRun({ body })) });
}

/** An A/B run, polled until both of its executions have finished. */
export function useAbRun(id: string | null) {
  return useQuery({
    queryKey: abKeys.run(id ?? ""),
    queryFn: () => call(readAbRun({ path: { ab_run_id: id as string } })),
    enabled: Boolean(id),
    refetchInterval: (query) => (query.state.data?.finished ? false : POLL_MS),
  });
}

/** Per variant of the chain's split: runs, success rate, p50/p95 times (computed by the API). */
export function useVariants(chainId: string) {
  return useQuery({
    queryKey: abKeys.variants(chainId),
    queryFn: () => call(readVariants({ path: { chain_id: chainId } })),
    refetchInterval: 5000,
  });
}

/** The chain's traffic split, or null when it has none (404). */
export function useTrafficSplit(chainId: string) {
  return useQuery({
    queryKey: abKeys.split(chainId),
    queryFn: async () => {
      try {
        return await call(readTrafficSplit({ path: { chain_id: chainId } }));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
}

export function useUpdateTrafficSplit(chainId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: TrafficSplitUpdate) => call(updateTrafficSplit({ path: { chain_id: chainId }, body })),
    onSuccess: (split) => {
      queryClient.setQueryData(abKeys.split(chainId), split);
      return queryClient.invalidateQueries({ queryKey: abKeys.chain(chainId) });
    },
  });
}
