/** A Python editor (CodeMirror 6) with a screen-reader name; Escape then Tab leaves it. */
import { python } from "@codemirror/lang-python";
import { EditorView } from "@codemirror/view";
import CodeMirror from "@uiw/react-codemirror";
import { useMemo } from "react";

interface Props {
  value: string;
  label: string;
  readOnly?: boolean;
  onChange?: (value: string) => void;
  minHeight?: string;
}

export default function CodeEditor({ value, label, readOnly = false, onChange, minHeight = "240px" }: Props) {
  const extensions = useMemo(
    () => [python(), EditorView.contentAttributes.of({ "aria-label": label, "data-testid": "code-editor" }), EditorView.lineWrapping],
    [label],
  );
  return (
    <CodeMirror
      value={value}
      minHeight={minHeight}
      maxHeight="60vh"
      readOnly={readOnly}
      editable={!readOnly}
      extensions={extensions}
      basicSetup={{ tabSize: 4 }}
      onChange={onChange}
    />
  );
}
