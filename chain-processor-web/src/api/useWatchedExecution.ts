/** One run and its steps, live: the WebSocket when it is open, polling otherwise. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { executionKeys, isFinal, useExecution, useNodeExecutions } from "./executions";
import { useExecutionStream } from "./executionStream";

export function useWatchedExecution(id: string | null) {
  const queryClient = useQueryClient();
  const streaming = useExecutionStream(id);
  const execution = useExecution(id, streaming);
  const done = isFinal(execution.data);
  const nodes = useNodeExecutions(id, done, streaming);
  useEffect(() => {
    // One last read when the run ends, in case an event raced the first fetch.
    if (done && id) void queryClient.invalidateQueries({ queryKey: executionKeys.nodes(id) });
  }, [done, id, queryClient]);
  return { execution, nodes, done, streaming };
}
