/** Live list of executions with filters by status and chain. */
import { FormControlLabel, Link, MenuItem, Switch, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";
import { useExecutions } from "../../api/executions";
import { useMe } from "../../api/me";
import type { ExecutionStatus } from "../../client/types.gen";
import { PageHeader } from "../../components/PageHeader";
import { Pager } from "../../components/Pager";
import { QueryState } from "../../components/QueryState";
import { StatusChip } from "../../components/StatusChip";
import { useChainNames } from "../../features/executions/useChainNames";
import { useFormat } from "../../i18n/format";

const STATUSES: ExecutionStatus[] = ["pending", "running", "succeeded", "failed", "cancelled", "timed_out"];
const LIMIT = 50;

export function ExecutionsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const me = useMe().data;
  const { names, chains } = useChainNames();
  const [status, setStatus] = useState<ExecutionStatus | "">("");
  const [chain, setChain] = useState("");
  const [mine, setMine] = useState(false);
  const [offset, setOffset] = useState(0);
  const executions = useExecutions({
    status: status || undefined,
    strategy_id: chain || undefined,
    created_by_id: mine ? me?.id : undefined,
    offset,
    limit: LIMIT,
  });
  return (
    <>
      <PageHeader title={t("executions.title")} actions={<Typography variant="caption">{t("executions.live")}</Typography>} />
      <Stack direction="row" spacing={2} sx={{ mb: 2, border: "none", p: 0 }} component="fieldset" aria-label={t("executions.filters")}>
        <TextField select size="small" label={t("common.status")} value={status} sx={{ minWidth: 180 }}
          onChange={(event) => { setStatus(event.target.value as ExecutionStatus | ""); setOffset(0); }}>
          <MenuItem value="">{t("executions.anyStatus")}</MenuItem>
          {STATUSES.map((value) => <MenuItem key={value} value={value}>{t(`status.${value}`)}</MenuItem>)}
        </TextField>
        <TextField select size="small" label={t("executions.chain")} value={chain} sx={{ minWidth: 220 }}
          onChange={(event) => { setChain(event.target.value); setOffset(0); }}>
          <MenuItem value="">{t("executions.anyChain")}</MenuItem>
          {chains.map((item) => <MenuItem key={item.id} value={item.id}>{item.name}</MenuItem>)}
        </TextField>
        <FormControlLabel label={t("executions.mine")}
          control={<Switch checked={mine} onChange={(event) => { setMine(event.target.checked); setOffset(0); }} />} />
      </Stack>
      <QueryState query={executions}>
        {executions.data?.count === 0 ? <Typography>{t("executions.empty")}</Typography> : (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t("common.status")}</TableCell>
                <TableCell>{t("executions.chain")}</TableCell>
                <TableCell>{t("common.version")}</TableCell>
                <TableCell>{t("executions.user")}</TableCell>
                <TableCell>{t("executions.started")}</TableCell>
                <TableCell>{t("executions.duration")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {executions.data?.data.map((execution) => (
                <TableRow key={execution.id} data-testid="execution-row">
                  <TableCell><StatusChip status={execution.status} /></TableCell>
                  <TableCell>
                    <Link component={RouterLink} to={`/executions/${execution.id}`}>{names.get(execution.strategy_id) ?? execution.strategy_id}</Link>
                  </TableCell>
                  <TableCell data-testid="execution-version">{execution.strategy_version}</TableCell>
                  <TableCell data-testid="execution-user">{execution.created_by_email ?? "—"}</TableCell>
                  <TableCell>{format.dateTime(execution.started_at ?? execution.created_at)}</TableCell>
                  <TableCell>{format.duration(execution.execution_time_ms)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        <Pager offset={offset} limit={LIMIT} count={executions.data?.count ?? 0} onChange={setOffset} />
      </QueryState>
    </>
  );
}
