/** One run: its status, input and output, and the timeline of its steps; live until it ends. */
import { Alert, Button, Stack, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";
import { useCancelExecution, useRerunExecution } from "../../api/executions";
import { useWatchedExecution } from "../../api/useWatchedExecution";
import { usePermissions } from "../../api/me";
import { useNodeCatalog } from "../../api/nodes";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { StatusChip } from "../../components/StatusChip";
import { Timeline } from "../../features/executions/Timeline";
import { useChainNames } from "../../features/executions/useChainNames";
import { useFormat } from "../../i18n/format";

export function ExecutionDetailPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const navigate = useNavigate();
  const { executionId = "" } = useParams();
  const { canEdit } = usePermissions();
  const { execution, nodes: steps, done } = useWatchedExecution(executionId);
  const catalog = useNodeCatalog().data;
  const { names } = useChainNames();
  const cancel = useCancelExecution();
  const rerun = useRerunExecution();
  const run = execution.data;
  const rerunFrom = (position: number) =>
    rerun.mutate({ id: executionId, fromPosition: position }, { onSuccess: (created) => navigate(`/executions/${created.id}`) });
  return (
    <QueryState query={execution}>
      {run ? (
        <>
          <PageHeader title={t("executions.detail", { id: run.id.slice(0, 8) })} actions={
            canEdit && !done ? <Button color="warning" variant="outlined" onClick={() => cancel.mutate(run.id)}>{t("run.cancel")}</Button> : null
          } />
          <Stack spacing={1} sx={{ mb: 2 }}>
            <div role="status" aria-live="polite" data-testid="execution-status" data-status={run.status}>
              <StatusChip status={run.status} /> {names.get(run.strategy_id) ?? run.strategy_id} · {format.dateTime(run.created_at)} · {format.duration(run.execution_time_ms)}
            </div>
            <Typography variant="body2" data-testid="execution-meta">
              <span data-testid="execution-version">{t("executions.versionOf", { version: run.strategy_version })}</span>
              {" · "}
              <span data-testid="execution-user">{t("executions.startedBy", { email: run.created_by_email ?? t("executions.unknownUser") })}</span>
            </Typography>
            <Typography variant="subtitle2" component="h2">{t("executions.input")}</Typography>
            <Typography component="pre" variant="body2" sx={{ whiteSpace: "pre-wrap", m: 0 }}>{run.input_text}</Typography>
            {run.output_text !== null ? (
              <>
                <Typography variant="subtitle2" component="h2">{t("executions.output")}</Typography>
                <Typography component="pre" variant="body2" sx={{ whiteSpace: "pre-wrap", m: 0 }} data-testid="execution-output">{run.output_text}</Typography>
              </>
            ) : null}
            {run.error ? <Alert severity="error">{run.error}</Alert> : null}
            {cancel.isError || rerun.isError ? <Alert severity="error">{(cancel.error ?? rerun.error)?.message}</Alert> : null}
          </Stack>
          <Typography variant="h6" component="h2">{t("executions.timeline")}</Typography>
          <QueryState query={steps}>
            <Timeline steps={steps.data?.data ?? []} titleOf={(id) => catalog?.get(id)?.title ?? id}
              onRerunFrom={canEdit && done ? rerunFrom : undefined} />
          </QueryState>
        </>
      ) : null}
    </QueryState>
  );
}
