/** A/B: run two versions of a chain on the same input (one A/B run), side by side; the traffic split and its stats. */
import { Alert, Button, MenuItem, Stack, TextField } from "@mui/material";
import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { useCreateAbRun } from "../../api/ab";
import { useChainVersions } from "../../api/chains";
import { usePermissions } from "../../api/me";
import { useNodeCatalog } from "../../api/nodes";
import { PageHeader } from "../../components/PageHeader";
import { AbRunView } from "../../features/ab/AbRunView";
import { TrafficSplitSection } from "../../features/ab/TrafficSplitForm";
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
  const [abRunId, setAbRunId] = useState<string | null>(null);
  const chainVersions = useChainVersions(chainId, Boolean(chainId)).data?.data ?? [];
  const create = useCreateAbRun();
  const titleOf = useCallback((id: string) => catalog?.get(id)?.title ?? id, [catalog]);
  const runBoth = () => {
    setAbRunId(null);
    create.mutate(
      { input_text: input, a: { strategy_id: chainId, version: versions.a }, b: { strategy_id: chainId, version: versions.b } },
      { onSuccess: (run) => setAbRunId(run.id) },
    );
  };
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
          onChange={(event) => { setChainId(event.target.value); setVersions({ a: "", b: "" }); setAbRunId(null); }}>
          {chains.map((chain) => <MenuItem key={chain.id} value={chain.id}>{chain.name}</MenuItem>)}
        </TextField>
        {pick("a", t("ab.versionA"))}
        {pick("b", t("ab.versionB"))}
        <TextField size="small" label={t("ab.input")} multiline value={input} onChange={(event) => setInput(event.target.value)} sx={{ minWidth: 280 }} />
        {canEdit ? (
          <Button variant="contained" disabled={!chainId || !versions.a || !versions.b || !input || create.isPending} onClick={runBoth}>
            {t("ab.run")}
          </Button>
        ) : null}
      </Stack>
      {create.isError ? <Alert severity="error">{t("common.unknownError", { message: create.error.message })}</Alert> : null}
      {abRunId ? <AbRunView abRunId={abRunId} titleOf={titleOf} /> : null}
      {chainId ? (
        <>
          <TrafficSplitSection key={chainId} chainId={chainId} versions={chainVersions.map((version) => version.version)} />
          <VariantStatsTable chainId={chainId} />
        </>
      ) : null}
    </>
  );
}
