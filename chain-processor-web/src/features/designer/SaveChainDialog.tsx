import { Button, TextField } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { BumpLevel } from "../../client/types.gen";
import { SaveVersionDialog } from "../../components/SaveVersionDialog";
import type { SaveProblem } from "./useSaveChain";

interface Props {
  open: boolean;
  initialName: string;
  pending: boolean;
  problem: SaveProblem | null;
  onClose: () => void;
  onSave: (bump: BumpLevel, note: string, name: string) => void;
  onReload: () => void;
}

export function SaveChainDialog({ open, initialName, pending, problem, onClose, onSave, onReload }: Props) {
  const { t } = useTranslation();
  const [name, setName] = useState(initialName);
  let error = null;
  if (problem?.kind === "invalid") error = t("issues.notSavable");
  if (problem?.kind === "error") error = t("common.unknownError", { message: problem.message });
  if (problem?.kind === "stale") {
    error = (
      <>
        {t("save.stale", { mine: problem.mine })}{" "}
        <Button color="inherit" size="small" variant="outlined" onClick={onReload}>{t("common.reload")}</Button>
      </>
    );
  }
  return (
    <SaveVersionDialog open={open} pending={pending} error={error} onClose={onClose} onSave={(bump, note) => name.trim() && onSave(bump, note, name.trim())}>
      <TextField label={t("save.name")} required value={name} onChange={(event) => setName(event.target.value)} />
    </SaveVersionDialog>
  );
}
