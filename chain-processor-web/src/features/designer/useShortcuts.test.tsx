import { fireEvent, render } from "@testing-library/react";
import { useCanvasStore } from "../../stores/canvasStore";
import { path } from "../../test/graphs";
import { useShortcuts, type PageCommands } from "./useShortcuts";

function Harness({ commands, readOnly }: { commands: PageCommands; readOnly: boolean }) {
  useShortcuts(commands, readOnly);
  return <input aria-label="typing here" />;
}

describe("useShortcuts", () => {
  const commands = { save: vi.fn(), help: vi.fn(), fit: vi.fn() };
  beforeEach(() => {
    useCanvasStore.getState().actions.load(path("a", "b"));
    vi.clearAllMocks();
  });

  it("runs canvas actions and page commands", () => {
    render(<Harness commands={commands} readOnly={false} />);
    useCanvasStore.getState().actions.select("b");
    fireEvent.keyDown(document, { key: "Delete" });
    expect(useCanvasStore.getState().nodes.map((n) => n.id)).toEqual(["a"]);
    fireEvent.keyDown(document, { key: "z", ctrlKey: true });
    expect(useCanvasStore.getState().nodes).toHaveLength(2);
    fireEvent.keyDown(document, { key: "s", ctrlKey: true });
    fireEvent.keyDown(document, { key: "?", shiftKey: true });
    fireEvent.keyDown(document, { key: "!", shiftKey: true });
    expect(commands.save).toHaveBeenCalledOnce();
    expect(commands.help).toHaveBeenCalledOnce();
    expect(commands.fit).toHaveBeenCalledOnce();
  });

  it("leaves text boxes alone and viewers' chains unchanged", () => {
    const { getByLabelText } = render(<Harness commands={commands} readOnly />);
    useCanvasStore.getState().actions.select("b");
    fireEvent.keyDown(document, { key: "Delete" });
    fireEvent.keyDown(getByLabelText("typing here"), { key: "?" });
    expect(useCanvasStore.getState().nodes).toHaveLength(2);
    expect(commands.help).not.toHaveBeenCalled();
    fireEvent.keyDown(document, { key: "?" });
    expect(commands.help).toHaveBeenCalledOnce();
  });
});
