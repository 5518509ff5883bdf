/** Save as a new version: bump level and change note (nodes and chains alike). */
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, MenuItem, Stack, TextField } from "@mui/material";
import { useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { BumpLevel } from "../client/types.gen";

const BUMPS: BumpLevel[] = ["patch", "minor", "major"];

interface Props {
  open: boolean;
  pending: boolean;
  error: ReactNode;
  onClose: () => void;
  onSave: (bump: BumpLevel, changeNote: string) => void;
  children?: ReactNode;
}

export function SaveVersionDialog({ open, pending, error, onClose, onSave, children }: Props) {
  const { t } = useTranslation();
  const [bump, setBump] = useState<BumpLevel>("patch");
  const [note, setNote] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSave(bump, note.trim());
  };
  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="sm" aria-labelledby="save-version-title">
      <form onSubmit={submit}>
        <DialogTitle id="save-version-title">{t("save.title")}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {error ? <Alert severity="error">{error}</Alert> : null}
            {children}
            <TextField select label={t("save.bump")} value={bump} onChange={(event) => setBump(event.target.value as BumpLevel)}>
              {BUMPS.map((level) => (
                <MenuItem key={level} value={level}>{t(`save.bumps.${level}`)}</MenuItem>
              ))}
            </TextField>
            <TextField label={t("save.note")} multiline minRows={2} value={note} onChange={(event) => setNote(event.target.value)} slotProps={{ htmlInput: { maxLength: 2000 } }} />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="submit" variant="contained" disabled={pending}>{t("save.submit")}</Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
