import { useRunStore } from "./runStore";

const actions = () => useRunStore.getState().actions;

describe("runStore", () => {
  beforeEach(() => actions().clear());

  it("starts with every step pending", () => {
    actions().start("ex1", ["a", "b"]);
    const state = useRunStore.getState();
    expect(state.executionId).toBe("ex1");
    expect(state.bySteps.a?.status).toBe("pending");
    expect(Object.keys(state.bySteps)).toEqual(["a", "b"]);
  });

  it("updates steps by their position in the run and ignores unknown positions", () => {
    actions().start("ex1", ["a", "b"]);
    actions().update([
      { position: 1, run: { status: "succeeded", output: "OK", error: null, timeMs: 3 } },
      { position: 7, run: { status: "failed", output: null, error: "x", timeMs: null } },
    ]);
    const { bySteps } = useRunStore.getState();
    expect(bySteps.b).toEqual({ status: "succeeded", output: "OK", error: null, timeMs: 3 });
    expect(bySteps.a?.status).toBe("pending");
    expect(Object.keys(bySteps)).toEqual(["a", "b"]);
  });

  it("keeps the steps before a re-run's start", () => {
    actions().start("ex1", ["a", "b"]);
    actions().update([
      { position: 0, run: { status: "succeeded", output: "A", error: null, timeMs: 1 } },
      { position: 1, run: { status: "failed", output: null, error: "boom", timeMs: 2 } },
    ]);
    actions().rerun("ex2", 1);
    const state = useRunStore.getState();
    expect(state.executionId).toBe("ex2");
    expect(state.bySteps.a?.output).toBe("A");
    expect(state.bySteps.b?.status).toBe("pending");
  });

  it("clears", () => {
    actions().start("ex1", ["a"]);
    actions().clear();
    expect(useRunStore.getState()).toMatchObject({ executionId: null, stepIds: [], bySteps: {} });
  });
});
