/** One arm of an A/B run: its execution's status, output and per-step timings. */
import { Box, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";
import type { AbArmResult } from "../../client/types.gen";
import { StatusChip } from "../../components/StatusChip";
import { useFormat } from "../../i18n/format";

interface Props {
  name: string;
  arm: AbArmResult;
  titleOf: (nodeId: string) => string;
}

export function Variant({ name, arm, titleOf }: Props) {
  const { t } = useTranslation();
  const format = useFormat();
  const run = arm.execution;
  const title = t("ab.variantOf", { name, version: arm.version });
  return (
    <Box component="section" aria-label={title} sx={{ flex: 1, minWidth: 0 }} data-testid={`variant-${name}`}>
      <Typography variant="h6" component="h2">{title}</Typography>
      <div role="status" aria-live="polite" data-status={run.status}>
        <StatusChip status={run.status} /> {format.duration(run.execution_time_ms)}
      </div>
      <Typography component="pre" variant="body2" sx={{ whiteSpace: "pre-wrap", border: 1, borderColor: "divider", p: 1, minHeight: 40 }}>
        {run.output_text ?? run.error ?? ""}
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
          {arm.nodes.map((step) => (
            <TableRow key={step.position}>
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
