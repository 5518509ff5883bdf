import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import type { JsonSchema } from "../../graph";
import { SchemaForm } from "./SchemaForm";

const schema: JsonSchema = {
  type: "object",
  required: ["max_chars"],
  properties: {
    max_chars: { type: "integer", minimum: 1, title: "Max Chars", description: "The longest output." },
    word_boundary: { type: "boolean", default: false, title: "Word Boundary" },
    side: { type: "string", enum: ["both", "left"], default: "both", title: "Side" },
    extra: { type: "object", title: "Extra" },
  },
};

function Harness({ onChange }: { onChange: (value: Record<string, unknown>) => void }) {
  const [value, setValue] = useState<Record<string, unknown>>({});
  return (
    <SchemaForm
      schema={schema}
      value={value}
      onChange={(next) => {
        setValue(next);
        onChange(next);
      }}
    />
  );
}

describe("SchemaForm", () => {
  it("renders a labelled field per property and shows problems", async () => {
    const onChange = vi.fn();
    render(<Harness onChange={onChange} />);
    expect(screen.getByText("required")).toBeInTheDocument();
    const box = () => screen.getByRole("textbox", { name: /Max Chars/ });
    await userEvent.type(box(), "0");
    fireEvent.blur(box());
    expect(onChange).toHaveBeenLastCalledWith({ max_chars: 0 });
    expect(screen.getByText("at least 1")).toBeInTheDocument();
    await userEvent.clear(box());
    await userEvent.type(box(), "12");
    fireEvent.blur(box());
    expect(onChange).toHaveBeenLastCalledWith({ max_chars: 12 });
    expect(screen.queryByText("at least 1")).not.toBeInTheDocument();
  });

  it("toggles booleans and edits JSON", async () => {
    const onChange = vi.fn();
    render(<Harness onChange={onChange} />);
    await userEvent.click(screen.getByRole("switch", { name: "Word Boundary" }));
    expect(onChange).toHaveBeenLastCalledWith({ word_boundary: true });
    const json = screen.getByRole("textbox", { name: "Extra" });
    fireEvent.change(json, { target: { value: "{bad" } });
    fireEvent.blur(json);
    expect(screen.getByText("Not valid JSON.")).toBeInTheDocument();
    fireEvent.change(json, { target: { value: '{"a":1}' } });
    fireEvent.blur(json);
    expect(onChange).toHaveBeenLastCalledWith({ word_boundary: true, extra: { a: 1 } });
  });

  it("says when a node takes no configuration", () => {
    render(<SchemaForm schema={{ type: "object", properties: {} }} value={{}} onChange={() => undefined} />);
    expect(screen.getByText("This node takes no configuration.")).toBeInTheDocument();
  });
});
