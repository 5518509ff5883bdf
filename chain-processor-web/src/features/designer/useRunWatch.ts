/**
 * Start, follow, cancel and re-run an execution of the chain on the canvas. The run's node
 * executions (live over the WebSocket, else polled) are copied into the run store by
 * position, so each step on the canvas shows its own state.
 */
import { useEffect } from "react";
import { useCancelExecution, useRerunExecution, useStartExecution } from "../../api/executions";
import { useWatchedExecution } from "../../api/useWatchedExecution";
import type { NodeExecutionPublic } from "../../client/types.gen";
import { linearOrder } from "../../graph";
import { useCanvasStore } from "../../stores/canvasStore";
import { selectExecutionId, useRunStore, type StepRun } from "../../stores/runStore";

export function toStepRun(node: NodeExecutionPublic): StepRun {
  return { status: node.status, output: node.output_text ?? null, error: node.error ?? null, timeMs: node.execution_time_ms ?? null };
}

export function useRunWatch(chainId: string) {
  const executionId = useRunStore(selectExecutionId);
  const { execution, nodes, done } = useWatchedExecution(executionId);
  const start = useStartExecution();
  const cancel = useCancelExecution();
  const rerun = useRerunExecution();

  useEffect(() => {
    if (nodes.data) {
      useRunStore.getState().actions.update(nodes.data.data.map((node) => ({ position: node.position, run: toStepRun(node) })));
    }
  }, [nodes.data]);

  useEffect(() => () => useRunStore.getState().actions.clear(), [chainId]);

  return {
    execution: execution.data,
    done,
    starting: start.isPending || rerun.isPending,
    error: start.error ?? cancel.error ?? rerun.error,
    start: (inputText: string) => {
      const { nodes: steps, edges } = useCanvasStore.getState();
      start.mutate(
        { strategy_id: chainId, input_text: inputText },
        { onSuccess: (created) => useRunStore.getState().actions.start(created.id, linearOrder(steps, edges)) },
      );
    },
    cancel: () => executionId && cancel.mutate(executionId),
    rerunFrom: (position: number) =>
      executionId &&
      rerun.mutate(
        { id: executionId, fromPosition: position },
        { onSuccess: (created) => useRunStore.getState().actions.rerun(created.id, position) },
      ),
  };
}
