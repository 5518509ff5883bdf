/** The canvas's live validation, computed once per change and shared with every step. */
import { createContext, useContext, useMemo } from "react";
import { validateFlow, type Validation } from "../../graph";
import { selectEdges, selectNodes, useCanvasStore } from "../../stores/canvasStore";
import { useCatalog } from "./catalog";

const EMPTY: Validation = { valid: true, issues: [], chain: [], byNode: {} };

export const ValidationContext = createContext<Validation>(EMPTY);

export function useValidation(): Validation {
  return useContext(ValidationContext);
}

/** Validate the canvas in the store against the catalog (for the provider). */
export function useLiveValidation(): Validation {
  const nodes = useCanvasStore(selectNodes);
  const edges = useCanvasStore(selectEdges);
  const catalog = useCatalog();
  return useMemo(() => validateFlow(nodes, edges, catalog.size ? catalog : undefined), [nodes, edges, catalog]);
}
