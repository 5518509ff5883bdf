/**
 * Edit a chain's traffic split (editors): rows of version and weight summing to 100, checked
 * as typed; the API's field errors land on their row. Viewers see the split read only.
 */
import { Alert, Box, Button, IconButton, MenuItem, Stack, TextField, Typography } from "@mui/material";
import DeleteIcon from "@mui/icons-material/Delete";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useTrafficSplit, useUpdateTrafficSplit } from "../../api/ab";
import { ApiError } from "../../api/http";
import { usePermissions } from "../../api/me";
import type { TrafficSplitPublic } from "../../client/types.gen";
import { checkSplit, MAX_VARIANTS, rowField, toVariants, type SplitRow } from "../../lib/trafficSplit";

interface Props {
  chainId: string;
  versions: string[];
}

export function TrafficSplitSection({ chainId, versions }: Props) {
  const { t } = useTranslation();
  const { canEdit } = usePermissions();
  const query = useTrafficSplit(chainId);
  if (query.isError) return <Alert severity="error">{t("app.loadFailed", { message: query.error.message })}</Alert>;
  if (query.data === undefined) return null;
  return (
    <Box component="section" aria-labelledby="ab-split" sx={{ mb: 3 }}>
      <Typography id="ab-split" variant="h6" component="h2">{t("ab.split.title")}</Typography>
      <Typography variant="caption" component="p" sx={{ mb: 1 }}>{t("ab.split.help")}</Typography>
      {query.data === null ? <Typography sx={{ mb: 1 }}>{t("ab.split.none")}</Typography> : null}
      {canEdit ? (
        <SplitForm key={chainId} chainId={chainId} versions={versions} split={query.data} />
      ) : (
        <ul>{query.data?.variants.map((variant) => <li key={variant.version}>{t("ab.split.row", { version: variant.version, weight: variant.weight })}</li>)}</ul>
      )}
    </Box>
  );
}

function SplitForm({ chainId, versions, split }: Props & { split: TrafficSplitPublic | null }) {
  const { t } = useTranslation();
  const update = useUpdateTrafficSplit(chainId);
  const [rows, setRows] = useState<SplitRow[]>(() =>
    split ? split.variants.map((variant) => ({ version: variant.version, weight: String(variant.weight) })) : [{ version: versions[0] ?? "", weight: "100" }],
  );
  const [touched, setTouched] = useState(false);
  const check = checkSplit(rows);
  const serverErrors = update.error instanceof ApiError ? update.error.errors : [];
  const serverError = (index: number, field: "version" | "weight") =>
    serverErrors.find((problem) => { const at = rowField(problem.field); return at?.index === index && at.field === field; })?.detail;
  const otherErrors = serverErrors.filter((problem) => rowField(problem.field) === null);
  const change = (index: number, patch: Partial<SplitRow>) => {
    setTouched(true);
    update.reset();
    setRows(rows.map((row, at) => (at === index ? { ...row, ...patch } : row)));
  };
  const save = () => {
    setTouched(true);
    if (check.ok) update.mutate({ variants: toVariants(rows) });
  };
  const problem = (index: number, field: "version" | "weight") => {
    const local = check.rows[index]?.[field];
    return serverError(index, field) ?? (touched && local ? t(`ab.split.problems.${local}`) : undefined);
  };
  return (
    <Stack spacing={1} sx={{ maxWidth: 560 }}>
      {rows.map((row, index) => (
        <Stack key={index} direction="row" spacing={1} sx={{ alignItems: "flex-start" }} data-testid="split-row">
          <TextField select size="small" label={t("ab.split.version", { index: index + 1 })} value={row.version} sx={{ minWidth: 160 }}
            error={Boolean(problem(index, "version"))} helperText={problem(index, "version")}
            onChange={(event) => change(index, { version: event.target.value })}>
            {versions.map((version) => <MenuItem key={version} value={version}>{version}</MenuItem>)}
          </TextField>
          <TextField size="small" label={t("ab.split.weight", { index: index + 1 })} value={row.weight} sx={{ width: 180 }}
            error={Boolean(problem(index, "weight"))} helperText={problem(index, "weight")}
            slotProps={{ htmlInput: { inputMode: "numeric" } }} onChange={(event) => change(index, { weight: event.target.value })} />
          <IconButton aria-label={t("ab.split.remove", { index: index + 1 })} disabled={rows.length === 1}
            onClick={() => { setTouched(true); setRows(rows.filter((_, at) => at !== index)); }}>
            <DeleteIcon />
          </IconButton>
        </Stack>
      ))}
      <div role="status" data-testid="split-total">
        <Typography>{t("ab.split.total", { total: check.total })}</Typography>
        {touched && check.badTotal ? <Typography sx={{ color: "error.main" }}>{t("ab.split.problems.total")}</Typography> : null}
      </div>
      {otherErrors.length || (update.isError && !serverErrors.length) ? (
        <Alert severity="error">{otherErrors.length ? otherErrors.map((entry) => entry.detail).join(" ") : t("common.unknownError", { message: update.error?.message ?? "" })}</Alert>
      ) : null}
      {update.isSuccess ? <Alert severity="success">{t("ab.split.saved")}</Alert> : null}
      <Stack direction="row" spacing={1}>
        <Button onClick={() => { setTouched(true); setRows([...rows, { version: "", weight: "0" }]); }} disabled={rows.length >= MAX_VARIANTS}>{t("ab.split.add")}</Button>
        <Button variant="contained" onClick={save} disabled={update.isPending || (touched && !check.ok)}>{t("ab.split.save")}</Button>
      </Stack>
    </Stack>
  );
}
