/**
 * What the canvas shows of the run being watched: the state of each step, keyed by canvas
 * node id. Filled by the run hook from the API's node executions; actions only.
 */
import { create } from "zustand";

export type StepRunStatus = "pending" | "running" | "succeeded" | "failed" | "cancelled" | "timed_out" | "skipped";

export interface StepRun {
  status: StepRunStatus;
  output: string | null;
  error: string | null;
  timeMs: number | null;
}

export interface RunState {
  executionId: string | null;
  /** Canvas node ids in the order the run executes them (position 0 first). */
  stepIds: string[];
  bySteps: Record<string, StepRun>;
  actions: {
    start: (executionId: string, stepIds: string[]) => void;
    /** Follow a re-run from `fromPosition`: earlier steps keep what the first run showed. */
    rerun: (executionId: string, fromPosition: number) => void;
    update: (runs: { position: number; run: StepRun }[]) => void;
    clear: () => void;
  };
}

const PENDING: StepRun = { status: "pending", output: null, error: null, timeMs: null };

export const useRunStore = create<RunState>()((set) => ({
  executionId: null,
  stepIds: [],
  bySteps: {},
  actions: {
    start: (executionId, stepIds) =>
      set(() => ({
        executionId,
        stepIds,
        bySteps: Object.fromEntries(stepIds.map((id) => [id, PENDING])),
      })),
    rerun: (executionId, fromPosition) =>
      set((state) => ({
        executionId,
        bySteps: Object.fromEntries(
          state.stepIds.map((id, position) => [id, position < fromPosition ? (state.bySteps[id] ?? PENDING) : PENDING]),
        ),
      })),
    update: (runs) =>
      set((state) => {
        const bySteps = { ...state.bySteps };
        for (const { position, run } of runs) {
          const id = state.stepIds[position];
          if (id) bySteps[id] = run;
        }
        return { bySteps };
      }),
    clear: () => set(() => ({ executionId: null, stepIds: [], bySteps: {} })),
  },
}));

export const selectRunActions = (state: RunState) => state.actions;
export const selectExecutionId = (state: RunState) => state.executionId;
export const selectStepRun = (id: string) => (state: RunState) => state.bySteps[id];
