/**
 * Saving the canvas: the first save of a new chain creates it; later saves make a new
 * version. The version the canvas was loaded from is the optimistic lock: when someone saved
 * in between, the API answers 409 and the page offers a reload.
 */
import { useState } from "react";
import { useCreateChain, useUpdateChain } from "../../api/chains";
import { ApiError } from "../../api/http";
import type { BumpLevel, StrategyPublic } from "../../client/types.gen";
import { flowToChain, type Validation } from "../../graph";
import { useCanvasStore } from "../../stores/canvasStore";

export type SaveProblem = { kind: "invalid" } | { kind: "stale"; mine: number } | { kind: "error"; message: string };

export interface SaveRequest {
  bump: BumpLevel;
  changeNote: string;
  name: string;
  validation: Validation;
}

export function useSaveChain(chain: StrategyPublic | null, onSaved: (chain: StrategyPublic) => void) {
  const create = useCreateChain();
  const update = useUpdateChain(chain?.id ?? "");
  const [problem, setProblem] = useState<SaveProblem | null>(null);

  const onError = (error: Error) =>
    setProblem(
      error instanceof ApiError && error.status === 409 && error.code === "stale_version" && chain
        ? { kind: "stale", mine: chain.version }
        : { kind: "error", message: error.message },
    );
  const onSuccess = (saved: StrategyPublic) => {
    useCanvasStore.getState().actions.markSaved();
    onSaved(saved);
  };

  const save = ({ bump, changeNote, name, validation }: SaveRequest) => {
    const { nodes, edges } = useCanvasStore.getState();
    const result = flowToChain(nodes, edges);
    if (!result.ok || !validation.valid) {
      setProblem({ kind: "invalid" });
      return;
    }
    setProblem(null);
    if (chain) {
      update.mutate(
        { expected_version: chain.version, bump, change_note: changeNote, name, nodes: result.steps },
        { onSuccess, onError },
      );
    } else {
      create.mutate({ name, nodes: result.steps, change_note: changeNote || undefined }, { onSuccess, onError });
    }
  };
  return { save, pending: create.isPending || update.isPending, problem, clearProblem: () => setProblem(null) };
}
