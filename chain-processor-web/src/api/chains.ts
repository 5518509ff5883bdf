/** Chains (strategies): list, read, create, save (new version), versions, rollback, import/export. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  createChain,
  exportChain,
  importChain,
  readChain,
  readChains,
  readChainVersions,
  rollbackChain,
  updateChain,
} from "../client/sdk.gen";
import type { ChainDocument, RollbackRequest, StrategyCreate, StrategyUpdate } from "../client/types.gen";
import { call } from "./http";

export interface ChainFilter {
  search?: string;
  offset: number;
  limit: number;
}

export const chainKeys = {
  all: ["chains"] as const,
  lists: () => [...chainKeys.all, "list"] as const,
  list: (filter: ChainFilter) => [...chainKeys.lists(), filter] as const,
  detail: (id: string) => [...chainKeys.all, "detail", id] as const,
  versions: (id: string) => [...chainKeys.detail(id), "versions"] as const,
};

export function useChains(filter: ChainFilter) {
  return useQuery({
    queryKey: chainKeys.list(filter),
    queryFn: () => call(readChains({ query: { ...filter, search: filter.search || undefined } })),
    placeholderData: keepPreviousData,
  });
}

export function useChain(id: string | undefined) {
  return useQuery({
    queryKey: chainKeys.detail(id ?? ""),
    queryFn: () => call(readChain({ path: { chain_id: id as string } })),
    enabled: Boolean(id),
  });
}

export function useChainVersions(id: string, enabled = true) {
  return useQuery({
    queryKey: chainKeys.versions(id),
    queryFn: () => call(readChainVersions({ path: { chain_id: id } })),
    enabled,
  });
}

function useInvalidateChains() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: chainKeys.all });
}

export function useCreateChain() {
  const invalidate = useInvalidateChains();
  return useMutation({ mutationFn: (body: StrategyCreate) => call(createChain({ body })), onSuccess: invalidate });
}

export function useUpdateChain(id: string) {
  const invalidate = useInvalidateChains();
  return useMutation({
    mutationFn: (body: StrategyUpdate) => call(updateChain({ path: { chain_id: id }, body })),
    onSuccess: invalidate,
  });
}

export function useRollbackChain(id: string) {
  const invalidate = useInvalidateChains();
  return useMutation({
    mutationFn: (body: RollbackRequest) => call(rollbackChain({ path: { chain_id: id }, body })),
    onSuccess: invalidate,
  });
}

export function useImportChain() {
  const invalidate = useInvalidateChains();
  return useMutation({ mutationFn: (body: ChainDocument) => call(importChain({ body })), onSuccess: invalidate });
}

/** The chain as a JSON document (for a download). */
export function fetchChainExport(id: string): Promise<ChainDocument> {
  return call(exportChain({ path: { chain_id: id } }));
}
