/** A/B: run two versions of a chain on the same input; outputs side by side, diff, timings, stats. */
import { Alert, Button, MenuItem, Stack, TextField, Typography } from "@mui/material";
import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { useChainVersions } from "../../api/chains";
import { useStartExecution } from "../../api/executions";
import { usePermissions } from "../../api/me";
import { useNodeCatalog } from "../../api/nodes";
import type { ExecutionPublic } from "../../client/types.gen";
import { DiffView } from "../../components/DiffView";
import { PageHeader } from "../../components/PageHeader";
import { Variant } from "../../features/ab/Variant";
import { VariantStatsTable } from "../../features/ab/VariantStatsTable";
import { useChainNames } from "../../features/executions/useChainNames";

type Pair = { a: string; b: string };

export function AbPage() {
  const { t } = useTranslation();
  const { canEdit } = usePermissions();
  const { chains } = useChainNames();
  const catalog = useNodeCatalog().data;
  const [chainId, setChainId] = useState("");
  const [versions, setVersions] = useState<Pair>({ a: "", b: "" });
  const [input, setInput] = useState("");
  const [runs, setRuns] = useState<Pair | null>(null);
  const [results, setResults] = useState<Partial<Record<keyof Pair, ExecutionPublic>>>({});
  const chainVersions = useChainVersions(chainId, Boolean(chainId)).data?.data ?? [];
  const start = useStartExecution();
  const titleOf = useCallback((id: string) => catalog?.get(id)?.title ?? id, [catalog]);
  const onA = useCallback((run: ExecutionPublic) => setResults((old) => ({ ...old, a: run })), []);
  const onB = useCallback((run: ExecutionPublic) => setResults((old) => ({ ...old, b: run })), []);
  const runBoth = async () => {
    setResults({});
    const [a, b] = await Promise.all(
      [versions.a, versions.b].map((version) => start.mutateAsync({ strategy_id: chainId, input_text: input, version })),
    );
    if (a && b) setRuns({ a: a.id, b: b.id });
  };
  const versionName = (id: string) => chainVersions.find((version) => version.id === id)?.version ?? id.slice(0, 8);
  const pick = (key: keyof Pair, label: string) => (
    <TextField select size="small" label={label} value={versions[key]} sx={{ minWidth: 140 }}
      onChange={(event) => setVersions({ ...versions, [key]: event.target.value })}>
      {chainVersions.map((version) => <MenuItem key={version.id} value={version.version}>{version.version}</MenuItem>)}
    </TextField>
  );
  return (
    <>
      <PageHeader title={t("ab.title")} />
      <Stack direction="row" spacing={2} sx={{ mb: 2, flexWrap: "wrap", alignItems: "flex-start" }}>
        <TextField select size="small" label={t("ab.chain")} value={chainId} sx={{ minWidth: 220 }}
          onChange={(event) => { setChainId(event.target.value); setVersions({ a: "", b: "" }); setRuns(null); }}>
          {chains.map((chain) => <MenuItem key={chain.id} value={chain.id}>{chain.name}</MenuItem>)}
        </TextField>
        {pick("a", t("ab.versionA"))}
        {pick("b", t("ab.versionB"))}
        <TextField size="small" label={t("ab.input")} multiline value={input} onChange={(event) => setInput(event.target.value)} sx={{ minWidth: 280 }} />
        {canEdit ? (
          <Button variant="contained" disabled={!chainId || !versions.a || !versions.b || !input || start.isPending} onClick={() => void runBoth()}>
            {t("ab.run")}
          </Button>
        ) : null}
      </Stack>
      {start.isError ? <Alert severity="error">{t("common.unknownError", { message: start.error.message })}</Alert> : null}
      {runs ? (
        <Stack direction={{ xs: "column", md: "row" }} spacing={2} sx={{ mb: 2 }}>
          <Variant name="A" executionId={runs.a} titleOf={titleOf} onResult={onA} />
          <Variant name="B" executionId={runs.b} titleOf={titleOf} onResult={onB} />
        </Stack>
      ) : null}
      {results.a && results.b ? (
        <section aria-labelledby="ab-diff">
          <Typography id="ab-diff" variant="h6" component="h2">{t("ab.diff")}</Typography>
          {results.a.output_text === results.b.output_text ? <Alert severity="info">{t("ab.same")}</Alert> : (
            <DiffView before={results.a.output_text ?? ""} after={results.b.output_text ?? ""} label={t("ab.diff")} />
          )}
        </section>
      ) : null}
      {chainId ? <VariantStatsTable chainId={chainId} versionName={versionName} /> : null}
    </>
  );
}
