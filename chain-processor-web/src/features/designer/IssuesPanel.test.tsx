import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { validateFlow } from "../../graph";
import { useCanvasStore } from "../../stores/canvasStore";
import { edge, node } from "../../test/graphs";
import { catalogOf, item, renderApp } from "../../test/render";
import { IssuesPanel } from "./IssuesPanel";
import { ValidationContext } from "./validation";

describe("IssuesPanel", () => {
  it("says when the chain is valid", () => {
    renderApp(<IssuesPanel />);
    expect(screen.getByRole("status")).toHaveTextContent("The chain is valid.");
  });

  it("lists problems and leads to the step at fault", async () => {
    const nodes = [node("a", 0, 0, "up"), node("b", 100, 0, "up"), node("c", 200, 0, "gone")];
    const edges = [edge("a", "b"), edge("b", "a")];
    useCanvasStore.getState().actions.load({ nodes, edges });
    const catalog = catalogOf(item("up", "Uppercase"));
    const validation = validateFlow(nodes, edges, catalog);
    renderApp(
      <ValidationContext.Provider value={validation}>
        <IssuesPanel />
      </ValidationContext.Provider>,
      { catalog },
    );
    expect(screen.getByText(`${validation.issues.length} problems`)).toBeInTheDocument();
    expect(screen.getAllByText(/This step is part of a cycle/)).toHaveLength(2);
    expect(screen.getByText(/This node no longer exists/)).toBeInTheDocument();
    await userEvent.click(screen.getAllByRole("button", { name: "gone" })[0]!);
    expect(useCanvasStore.getState().nodes.find((n) => n.id === "c")?.selected).toBe(true);
  });
});
