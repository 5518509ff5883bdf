import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useCanvasStore } from "../../stores/canvasStore";
import { catalogOf, item, renderApp } from "../../test/render";
import { Palette } from "./Palette";
import { StepList } from "./StepList";

const catalog = catalogOf(
  item("up", "Uppercase"),
  item("trim", "Trim"),
  item("mine", "My node", { builtin: false, description: "Mine." }),
  item("old", "Old node", { isActive: false }),
);
const actions = () => useCanvasStore.getState().actions;
const order = () => screen.getAllByTestId("step-row").map((row) => row.textContent);

function KeyboardPath({ readOnly = false }: { readOnly?: boolean }) {
  return (
    <>
      <StepList readOnly={readOnly} />
      <Palette readOnly={readOnly} onAdd={(entry) => actions().appendStep({ nodeId: entry.id, nodeVersionId: null, config: {} })} />
    </>
  );
}

describe("the keyboard path: palette and step list", () => {
  beforeEach(() => actions().load({ nodes: [], edges: [] }));

  it("builds, reorders and trims a chain without dragging", async () => {
    renderApp(<KeyboardPath />, { catalog });
    expect(screen.getByText("No steps yet: add nodes from the palette.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Add Uppercase to the end of the chain" }));
    await userEvent.click(screen.getByRole("button", { name: "Add Trim to the end of the chain" }));
    expect(order()).toEqual(["1. Uppercase", "2. Trim"]);
    expect(useCanvasStore.getState().edges).toHaveLength(1);
    await userEvent.click(screen.getByRole("button", { name: "Move Trim up" }));
    expect(order()).toEqual(["1. Trim", "2. Uppercase"]);
    expect(screen.getByRole("button", { name: "Move Trim up" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Remove Trim" }));
    expect(order()).toEqual(["1. Uppercase"]);
  });

  it("selects a step to configure it", async () => {
    renderApp(<KeyboardPath />, { catalog });
    await userEvent.click(screen.getByRole("button", { name: "Add Uppercase to the end of the chain" }));
    await userEvent.click(screen.getByRole("button", { name: "Configure Uppercase" }));
    expect(useCanvasStore.getState().nodes[0]?.selected).toBe(true);
  });

  it("searches active nodes by title, description and tag, builtin first", async () => {
    renderApp(<KeyboardPath />, { catalog });
    expect(screen.getByText("Builtin")).toBeInTheDocument();
    expect(screen.getByText("Your nodes")).toBeInTheDocument();
    expect(screen.queryByText("Old node")).not.toBeInTheDocument();
    await userEvent.type(screen.getByRole("searchbox", { name: "Search nodes" }), "mine");
    expect(screen.getByText("My node")).toBeInTheDocument();
    expect(screen.queryByText("Uppercase")).not.toBeInTheDocument();
    await userEvent.type(screen.getByRole("searchbox", { name: "Search nodes" }), "zzz");
    expect(screen.getByText("No node matches.")).toBeInTheDocument();
  });

  it("offers no editing to a read-only user", () => {
    actions().appendStep({ nodeId: "up", nodeVersionId: null, config: {} });
    renderApp(<KeyboardPath readOnly />, { catalog });
    expect(screen.getByText("1. Uppercase")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Add|Move|Remove/ })).not.toBeInTheDocument();
  });
});
