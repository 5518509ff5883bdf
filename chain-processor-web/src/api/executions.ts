/**
 * Executions: start, watch, cancel, re-run. A watched run follows the WebSocket
 * (executionStream.ts); without it the run and its steps are polled every second until the
 * run reaches a final status.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  cancelExecution,
  createExecution,
  readExecution,
  readExecutions,
  readNodeExecutions,
  rerunExecution,
} from "../client/sdk.gen";
import type { ExecutionCreate, ExecutionPublic, ReadExecutionsData } from "../client/types.gen";
import { call } from "./http";

export type ExecutionFilter = NonNullable<ReadExecutionsData["query"]>;

export const POLL_MS = 1000;
export const FINAL_STATUSES = new Set(["succeeded", "failed", "cancelled", "timed_out"]);

export function isFinal(execution: Pick<ExecutionPublic, "status"> | undefined): boolean {
  return execution !== undefined && FINAL_STATUSES.has(execution.status);
}

export const executionKeys = {
  all: ["executions"] as const,
  lists: () => [...executionKeys.all, "list"] as const,
  list: (filter: ExecutionFilter) => [...executionKeys.lists(), filter] as const,
  detail: (id: string) => [...executionKeys.all, "detail", id] as const,
  nodes: (id: string) => [...executionKeys.detail(id), "nodes"] as const,
};

export function useExecutions(filter: ExecutionFilter, live = true) {
  return useQuery({
    queryKey: executionKeys.list(filter),
    queryFn: () => call(readExecutions({ query: filter })),
    placeholderData: keepPreviousData,
    refetchInterval: live ? 3000 : false,
  });
}

export function useExecution(id: string | null, streaming = false) {
  return useQuery({
    queryKey: executionKeys.detail(id ?? ""),
    queryFn: () => call(readExecution({ path: { execution_id: id as string } })),
    enabled: Boolean(id),
    refetchInterval: (query) => (streaming || isFinal(query.state.data) ? false : POLL_MS),
  });
}

/** The steps of a run; polled until the run itself has ended (`done`). */
export function useNodeExecutions(id: string | null, done: boolean, streaming = false) {
  return useQuery({
    queryKey: executionKeys.nodes(id ?? ""),
    queryFn: () => call(readNodeExecutions({ path: { execution_id: id as string } })),
    enabled: Boolean(id),
    refetchInterval: done || streaming ? false : POLL_MS,
  });
}

function useInvalidateExecutions() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: executionKeys.all });
}

export function useStartExecution() {
  const invalidate = useInvalidateExecutions();
  return useMutation({ mutationFn: (body: ExecutionCreate) => call(createExecution({ body })), onSuccess: invalidate });
}

export function useCancelExecution() {
  const invalidate = useInvalidateExecutions();
  return useMutation({
    mutationFn: (id: string) => call(cancelExecution({ path: { execution_id: id } })),
    onSuccess: invalidate,
  });
}

export function useRerunExecution() {
  const invalidate = useInvalidateExecutions();
  return useMutation({
    mutationFn: ({ id, fromPosition }: { id: string; fromPosition: number }) =>
      call(rerunExecution({ path: { execution_id: id }, body: { from_position: fromPosition } })),
    onSuccess: invalidate,
  });
}
