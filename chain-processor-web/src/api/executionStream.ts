/**
 * Live progress of one execution over the API's WebSocket (`/executions/{id}/ws`): each
 * `node` or `execution` event is written straight into the TanStack Query cache, so every
 * view of the run updates at once. While the socket is open the queries stop polling; if it
 * cannot open or drops before the run ends, they poll again (the fallback).
 */
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { ExecutionPublic, NodeExecutionPublic, PageNodeExecutionPublic } from "../client/types.gen";
import { accessToken } from "./http";
import { executionKeys, isFinal } from "./executions";

export type ExecutionEvent =
  | { type: "execution"; data: ExecutionPublic }
  | { type: "node"; data: NodeExecutionPublic };

/** The page of node executions with `node` put in its place (by position). */
export function mergeNode(page: PageNodeExecutionPublic | undefined, node: NodeExecutionPublic): PageNodeExecutionPublic {
  const others = (page?.data ?? []).filter((existing) => existing.position !== node.position);
  const data = [...others, node].sort((a, b) => a.position - b.position);
  return { data, count: data.length };
}

export function applyEvent(queryClient: QueryClient, id: string, event: ExecutionEvent): void {
  if (event.type === "execution") {
    queryClient.setQueryData(executionKeys.detail(id), event.data);
  } else if (event.type === "node") {
    queryClient.setQueryData<PageNodeExecutionPublic>(executionKeys.nodes(id), (page) => mergeNode(page, event.data));
  }
}

export function streamUrl(id: string, token: string, location: Pick<Location, "protocol" | "host">): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/executions/${id}/ws?access_token=${encodeURIComponent(token)}`;
}

/** Follow `id` over the WebSocket; true while it is open. */
export function useExecutionStream(id: string | null): boolean {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!id || typeof WebSocket === "undefined") return undefined;
    if (isFinal(queryClient.getQueryData<ExecutionPublic>(executionKeys.detail(id)))) return undefined;
    let socket: WebSocket | null = null;
    let stopped = false;
    void accessToken().then((token) => {
      if (stopped || !token) return;
      socket = new WebSocket(streamUrl(id, token, window.location));
      socket.onopen = () => setOpen(true);
      socket.onmessage = (message: MessageEvent<string>) => applyEvent(queryClient, id, JSON.parse(message.data) as ExecutionEvent);
      socket.onclose = () => setOpen(false);
    });
    return () => {
      stopped = true;
      socket?.close();
      setOpen(false);
    };
  }, [id, queryClient]);
  return open;
}
