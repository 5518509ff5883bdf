/** Import a chain from an exported JSON document; it becomes a new chain. */
import { Alert, Button, Snackbar } from "@mui/material";
import { useRef, useState, type ChangeEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { useImportChain } from "../../api/chains";
import type { ChainDocument } from "../../client/types.gen";

export function ImportChainButton() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const input = useRef<HTMLInputElement>(null);
  const importChain = useImportChain();
  const [problem, setProblem] = useState<string | null>(null);
  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (!file) return;
    let document_: ChainDocument;
    try {
      document_ = JSON.parse(await file.text()) as ChainDocument;
    } catch (error) {
      setProblem(t("chains.importFailed", { message: (error as Error).message }));
      return;
    }
    importChain.mutate(document_, {
      onSuccess: (chain) => navigate(`/chains/${chain.id}`),
      onError: (error) => setProblem(t("chains.importFailed", { message: error.message })),
    });
  };
  return (
    <>
      <input ref={input} type="file" accept="application/json,.json" hidden aria-label={t("chains.importFile")} onChange={(event) => void onFile(event)} />
      <Button variant="outlined" onClick={() => input.current?.click()} disabled={importChain.isPending}>{t("chains.import")}</Button>
      <Snackbar open={problem !== null} onClose={() => setProblem(null)} autoHideDuration={8000}>
        <Alert severity="error" onClose={() => setProblem(null)}>{problem}</Alert>
      </Snackbar>
    </>
  );
}
