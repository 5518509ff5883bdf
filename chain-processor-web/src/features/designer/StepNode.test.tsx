import { screen } from "@testing-library/react";
import { ReactFlowProvider, type NodeProps } from "@xyflow/react";
import type { StepNode as StepNodeType } from "../../graph";
import { validateFlow } from "../../graph";
import { useRunStore } from "../../stores/runStore";
import { node } from "../../test/graphs";
import { catalogOf, item, renderApp } from "../../test/render";
import { StepNode } from "./StepNode";
import { ValidationContext } from "./validation";

const props = (id: string, nodeId: string) =>
  ({ id, data: { nodeId, nodeVersionId: null, config: {} }, selected: false, type: "step" }) as unknown as NodeProps<StepNodeType>;

function renderStep(id: string, nodeId: string, catalog = catalogOf(item("up", "Uppercase"))) {
  const validation = validateFlow([node(id, 0, 0, nodeId)], [], catalog);
  return renderApp(
    <ReactFlowProvider>
      <ValidationContext.Provider value={validation}>
        <StepNode {...props(id, nodeId)} />
      </ValidationContext.Provider>
    </ReactFlowProvider>,
    { catalog },
  );
}

describe("StepNode", () => {
  beforeEach(() => useRunStore.getState().actions.clear());

  it("shows the node's title and no run state when idle", () => {
    renderStep("a", "up");
    expect(screen.getByText("Uppercase")).toBeInTheDocument();
    expect(screen.getByTestId("step-node")).toHaveAttribute("data-status", "idle");
  });

  it("shows its problems", () => {
    renderStep("a", "gone");
    expect(screen.getByText("This node no longer exists.")).toBeInTheDocument();
  });

  it("shows status, output and time during a run", () => {
    useRunStore.getState().actions.start("ex", ["a"]);
    useRunStore.getState().actions.update([{ position: 0, run: { status: "succeeded", output: "HI", error: null, timeMs: 12 } }]);
    renderStep("a", "up");
    expect(screen.getByTestId("step-node")).toHaveAttribute("data-status", "succeeded");
    expect(screen.getByText("Succeeded")).toBeInTheDocument();
    expect(screen.getByTestId("step-output")).toHaveTextContent("HI");
    expect(screen.getByText("12 ms")).toBeInTheDocument();
  });

  it("shows a step's error", () => {
    useRunStore.getState().actions.start("ex", ["a"]);
    useRunStore.getState().actions.update([{ position: 0, run: { status: "failed", output: null, error: "Boom", timeMs: null } }]);
    renderStep("a", "up");
    expect(screen.getByText("Failed")).toBeInTheDocument();
    expect(screen.getByText("Boom")).toBeInTheDocument();
  });
});
