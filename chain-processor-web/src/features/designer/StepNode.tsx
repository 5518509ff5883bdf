/**
 * A step on the canvas: its node's title, problems found by validation, and during a run its
 * status, output or error, and time. Memoised: React Flow re-renders nodes often.
 */
import { Box, Typography } from "@mui/material";
import ErrorOutline from "@mui/icons-material/ErrorOutlineOutlined";
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { StatusChip } from "../../components/StatusChip";
import type { StepNode as StepNodeType } from "../../graph";
import { useFormat } from "../../i18n/format";
import { selectStepRun, useRunStore } from "../../stores/runStore";
import { useCatalog } from "./catalog";
import { useIssueText } from "./useIssueText";
import { useValidation } from "./validation";

const BORDER = { succeeded: "success.main", failed: "error.main", running: "info.main" } as const;

function StepNodeView({ id, data, selected }: NodeProps<StepNodeType>) {
  const format = useFormat();
  const item = useCatalog().get(data.nodeId);
  const issues = useValidation().byNode[id] ?? [];
  const issueText = useIssueText();
  const run = useRunStore(selectStepRun(id));
  const title = item?.title ?? data.nodeId;
  const border = (run && run.status in BORDER ? BORDER[run.status as keyof typeof BORDER] : null) ??
    (issues.length ? "error.main" : selected ? "primary.main" : "grey.600");
  return (
    <Box
      data-testid="step-node"
      data-status={run?.status ?? "idle"}
      sx={{ width: 200, bgcolor: "background.paper", border: 2, borderColor: border, borderRadius: 1, p: 1, fontSize: 13 }}
    >
      <Handle type="target" position={Position.Left} />
      <Typography variant="subtitle2" component="p" noWrap title={title}>
        {title}
      </Typography>
      {run ? (
        <Box sx={{ mt: 0.5 }} aria-live="polite">
          <StatusChip status={run.status} />
          {run.timeMs !== null ? <Typography sx={{ ml: 1 }} variant="caption">{format.duration(run.timeMs)}</Typography> : null}
          {run.output !== null ? (
            <Typography variant="caption" component="p" data-testid="step-output" sx={{ whiteSpace: "pre-wrap", maxHeight: 60, overflow: "auto" }}>
              {run.output}
            </Typography>
          ) : null}
          {run.error ? <Typography variant="caption" component="p" color="error">{run.error}</Typography> : null}
        </Box>
      ) : null}
      {issues.map((issue) => (
        <Typography key={`${issue.code}-${issue.field ?? ""}`} variant="caption" component="p" color="error" sx={{ display: "flex", gap: 0.5 }}>
          <ErrorOutline fontSize="inherit" aria-hidden />
          {issueText(issue)}
        </Typography>
      ))}
      <Handle type="source" position={Position.Right} />
    </Box>
  );
}

export const StepNode = memo(StepNodeView);

/** Module scope, so React Flow never sees a new object. */
export const nodeTypes = { step: StepNode };
