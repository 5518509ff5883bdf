/** A line diff with +/− markers, readable without colour. */
import { Box } from "@mui/material";
import { useMemo } from "react";
import { diffLines } from "../lib/textDiff";

const STYLE = {
  same: { bgcolor: "transparent", mark: " " },
  added: { bgcolor: "#e6f4ea", mark: "+" },
  removed: { bgcolor: "#fce8e6", mark: "−" },
} as const;

export function DiffView({ before, after, label }: { before: string; after: string; label: string }) {
  const lines = useMemo(() => diffLines(before, after), [before, after]);
  return (
    <Box component="pre" aria-label={label} tabIndex={0} sx={{ fontSize: 12, m: 0, p: 1, border: 1, borderColor: "divider", overflow: "auto", maxHeight: 400 }}>
      {lines.map((line, index) => (
        <Box key={index} component="div" data-kind={line.kind} sx={{ bgcolor: STYLE[line.kind].bgcolor, color: "text.primary" }}>
          {STYLE[line.kind].mark} {line.text}
        </Box>
      ))}
    </Box>
  );
}
