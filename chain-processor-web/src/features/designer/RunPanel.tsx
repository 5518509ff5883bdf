/** Run the saved chain on some text and follow it: status, cancel, re-run from a step. */
import { Alert, Box, Button, Link, List, ListItem, ListItemText, Stack, TextField, Typography } from "@mui/material";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";
import { StatusChip } from "../../components/StatusChip";
import { useRunStore } from "../../stores/runStore";
import { useCatalog } from "./catalog";
import { useRunWatch } from "./useRunWatch";
import { useCanvasStore } from "../../stores/canvasStore";

export function RunPanel({ chainId, dirty }: { chainId: string; dirty: boolean }) {
  const { t } = useTranslation();
  const [input, setInput] = useState("");
  const run = useRunWatch(chainId);
  const stepIds = useRunStore((state) => state.stepIds);
  const bySteps = useRunStore((state) => state.bySteps);
  const nodes = useCanvasStore((state) => state.nodes);
  const catalog = useCatalog();
  const headingId = useId();
  const titleOf = (id: string) => {
    const nodeId = nodes.find((node) => node.id === id)?.data.nodeId ?? "";
    return catalog.get(nodeId)?.title ?? nodeId;
  };
  const running = Boolean(run.execution && !run.done);
  return (
    <Box component="section" aria-labelledby={headingId}>
      <Typography id={headingId} variant="subtitle1" component="h2">{t("run.title")}</Typography>
      <Stack spacing={1}>
        <TextField label={t("run.input")} multiline minRows={2} value={input} onChange={(event) => setInput(event.target.value)} />
        {dirty ? <Typography variant="caption">{t("run.needsSave")}</Typography> : null}
        <Stack direction="row" spacing={1}>
          <Button variant="contained" disabled={dirty || !input || running || run.starting} onClick={() => run.start(input)}>{t("run.start")}</Button>
          {running ? <Button variant="outlined" color="warning" onClick={run.cancel}>{t("run.cancel")}</Button> : null}
        </Stack>
        {run.error ? <Alert severity="error">{t("common.unknownError", { message: run.error.message })}</Alert> : null}
        {run.execution ? (
          <div role="status" aria-live="polite" data-testid="run-status" data-status={run.execution.status}>
            <StatusChip status={run.execution.status} />{" "}
            <Link component={RouterLink} to={`/executions/${run.execution.id}`}>{t("run.openMonitor")}</Link>
            {run.execution.output_text ? <Typography component="pre" variant="body2" sx={{ whiteSpace: "pre-wrap" }}>{run.execution.output_text}</Typography> : null}
            {run.execution.error ? <Alert severity="error">{run.execution.error}</Alert> : null}
          </div>
        ) : null}
        {run.done ? (
          <List dense aria-label={t("executions.timeline")}>
            {stepIds.map((id, position) => (
              <ListItem key={id} disableGutters secondaryAction={
                <Button size="small" onClick={() => run.rerunFrom(position)} aria-label={`${t("run.rerunFrom")}: ${titleOf(id)}`}>{t("run.rerunFrom")}</Button>
              }>
                <ListItemText primary={`${position + 1}. ${titleOf(id)}`} secondary={t(`status.${bySteps[id]?.status ?? "pending"}`)} />
              </ListItem>
            ))}
          </List>
        ) : null}
      </Stack>
    </Box>
  );
}
