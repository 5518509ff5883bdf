/** The node library: list, read, create, save (new version), versions, diff, rollback. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  createNode,
  readNode,
  readNodeDiff,
  readNodes,
  readNodeVersions,
  rollbackNode,
  updateNode,
} from "../client/sdk.gen";
import type { NodeCreate, NodePublic, NodeUpdate, RollbackRequest } from "../client/types.gen";
import type { PaletteItem } from "../features/designer/catalog";
import type { JsonSchema } from "../graph";
import { call } from "./http";

export interface NodeFilter {
  search?: string;
  offset: number;
  limit: number;
}

export const nodeKeys = {
  all: ["nodes"] as const,
  lists: () => [...nodeKeys.all, "list"] as const,
  list: (filter: NodeFilter) => [...nodeKeys.lists(), filter] as const,
  catalog: () => [...nodeKeys.all, "catalog"] as const,
  detail: (id: string) => [...nodeKeys.all, "detail", id] as const,
  versions: (id: string) => [...nodeKeys.detail(id), "versions"] as const,
  diff: (id: string, from: string, to: string) => [...nodeKeys.detail(id), "diff", from, to] as const,
};

export function useNodes(filter: NodeFilter) {
  return useQuery({
    queryKey: nodeKeys.list(filter),
    queryFn: () => call(readNodes({ query: { ...filter, search: filter.search || undefined, include_inactive: true } })),
    placeholderData: keepPreviousData,
  });
}

/** A node as the designer's palette shows it. */
export function toPaletteItem(node: NodePublic): PaletteItem {
  const metadata = node.metadata ?? {};
  const schema = metadata.config_schema;
  return {
    id: node.id,
    name: node.name,
    title: typeof metadata.title === "string" ? metadata.title : node.name,
    description: node.description ?? "",
    builtin: node.is_builtin,
    isActive: node.is_active,
    tags: node.tags,
    configSchema: schema && typeof schema === "object" ? (schema as JsonSchema) : null,
  };
}

/** Every node, active or not, as a catalog for the designer. */
export function useNodeCatalog() {
  return useQuery({
    queryKey: nodeKeys.catalog(),
    queryFn: () => call(readNodes({ query: { include_inactive: true, limit: 500 } })),
    select: (page) => new Map(page.data.map((node) => [node.id, toPaletteItem(node)])),
    staleTime: 60_000,
  });
}

export function useNode(id: string | undefined) {
  return useQuery({
    queryKey: nodeKeys.detail(id ?? ""),
    queryFn: () => call(readNode({ path: { node_id: id as string } })),
    enabled: Boolean(id),
  });
}

export function useNodeVersions(id: string) {
  return useQuery({
    queryKey: nodeKeys.versions(id),
    queryFn: () => call(readNodeVersions({ path: { node_id: id } })),
  });
}

export function useNodeDiff(id: string, from: string | null, to: string | null) {
  return useQuery({
    queryKey: nodeKeys.diff(id, from ?? "", to ?? ""),
    queryFn: () => call(readNodeDiff({ path: { node_id: id }, query: { from_version: from as string, to_version: to as string } })),
    enabled: Boolean(from && to && from !== to),
  });
}

function useInvalidateNodes() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: nodeKeys.all });
}

export function useCreateNode() {
  const invalidate = useInvalidateNodes();
  return useMutation({ mutationFn: (body: NodeCreate) => call(createNode({ body })), onSuccess: invalidate });
}

export function useUpdateNode(id: string) {
  const invalidate = useInvalidateNodes();
  return useMutation({
    mutationFn: (body: NodeUpdate) => call(updateNode({ path: { node_id: id }, body })),
    onSuccess: invalidate,
  });
}

export function useRollbackNode(id: string) {
  const invalidate = useInvalidateNodes();
  return useMutation({
    mutationFn: (body: RollbackRequest) => call(rollbackNode({ path: { node_id: id }, body })),
    onSuccess: invalidate,
  });
}
