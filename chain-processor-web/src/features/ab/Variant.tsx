/** One side of an A/B comparison: a run's status, output and per-step timings. */
import { Box, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { useWatchedExecution } from "../../api/useWatchedExecution";
import type { ExecutionPublic } from "../../client/types.gen";
import { StatusChip } from "../../components/StatusChip";
import { useFormat } from "../../i18n/format";

interface Props {
  name: string;
  executionId: string;
  titleOf: (nodeId: string) => string;
  onResult: (execution: ExecutionPublic) => void;
}

export function Variant({ name, executionId, titleOf, onResult }: Props) {
  const { t } = useTranslation();
  const format = useFormat();
  const { execution, nodes: steps, done } = useWatchedExecution(executionId);
  const run = execution.data;
  useEffect(() => {
    if (run && done) onResult(run);
  }, [run, done, onResult]);
  return (
    <Box component="section" aria-label={t("ab.variant", { name })} sx={{ flex: 1, minWidth: 0 }} data-testid={`variant-${name}`}>
      <Typography variant="h6" component="h2">{t("ab.variant", { name })}</Typography>
      {run ? (
        <div role="status" aria-live="polite" data-status={run.status}>
          <StatusChip status={run.status} /> {format.duration(run.execution_time_ms)}
        </div>
      ) : null}
      <Typography component="pre" variant="body2" sx={{ whiteSpace: "pre-wrap", border: 1, borderColor: "divider", p: 1, minHeight: 40 }}>
        {run?.output_text ?? run?.error ?? ""}
      </Typography>
      <Table size="small" aria-label={t("ab.timings")}>
        <TableHead>
          <TableRow>
            <TableCell>{t("chains.steps")}</TableCell>
            <TableCell>{t("common.status")}</TableCell>
            <TableCell>{t("run.time")}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {(steps.data?.data ?? []).map((step) => (
            <TableRow key={step.id}>
              <TableCell>{t("executions.nodeRow", { position: step.position + 1, name: titleOf(step.node_id) })}</TableCell>
              <TableCell><StatusChip status={step.status} /></TableCell>
              <TableCell>{format.duration(step.execution_time_ms)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
