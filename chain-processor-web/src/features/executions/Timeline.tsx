/** A run's steps in order: status, a bar of its time against the slowest step, input, output, error. */
import { Box, Button, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";
import type { NodeExecutionPublic } from "../../client/types.gen";
import { StatusChip } from "../../components/StatusChip";
import { useFormat } from "../../i18n/format";

interface Props {
  steps: NodeExecutionPublic[];
  titleOf: (nodeId: string) => string;
  onRerunFrom?: (position: number) => void;
}

function Text({ label, value }: { label: string; value: string | null | undefined }) {
  if (!value) return null;
  return (
    <details>
      <summary>{label}</summary>
      <Typography component="pre" variant="body2" sx={{ whiteSpace: "pre-wrap", m: 0 }}>{value}</Typography>
    </details>
  );
}

export function Timeline({ steps, titleOf, onRerunFrom }: Props) {
  const { t } = useTranslation();
  const format = useFormat();
  const slowest = Math.max(1, ...steps.map((step) => step.execution_time_ms ?? 0));
  return (
    <Table size="small" aria-label={t("executions.timeline")}>
      <TableHead>
        <TableRow>
          <TableCell>{t("chains.steps")}</TableCell>
          <TableCell>{t("common.status")}</TableCell>
          <TableCell>{t("run.time")}</TableCell>
          <TableCell>{t("executions.input")} / {t("executions.output")}</TableCell>
          {onRerunFrom ? <TableCell>{t("common.actions")}</TableCell> : null}
        </TableRow>
      </TableHead>
      <TableBody>
        {[...steps].sort((a, b) => a.position - b.position).map((step) => (
          <TableRow key={step.id} data-testid="timeline-row" data-status={step.status}>
            <TableCell>{t("executions.nodeRow", { position: step.position + 1, name: titleOf(step.node_id) })}</TableCell>
            <TableCell><StatusChip status={step.status} /></TableCell>
            <TableCell sx={{ minWidth: 160 }}>
              {format.duration(step.execution_time_ms)}
              <Box aria-hidden sx={{ height: 6, bgcolor: "primary.main", width: `${((step.execution_time_ms ?? 0) / slowest) * 100}%` }} />
            </TableCell>
            <TableCell sx={{ maxWidth: 420 }}>
              <Text label={t("executions.input")} value={step.input_text} />
              <Text label={t("executions.output")} value={step.output_text} />
              {step.error ? <Typography color="error" variant="body2">{step.error}</Typography> : null}
            </TableCell>
            {onRerunFrom ? (
              <TableCell>
                <Button size="small" onClick={() => onRerunFrom(step.position)}
                  aria-label={`${t("run.rerunFrom")}: ${t("executions.nodeRow", { position: step.position + 1, name: titleOf(step.node_id) })}`}>
                  {t("run.rerunFrom")}
                </Button>
              </TableCell>
            ) : null}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
