import { Button, Dialog, DialogActions, DialogContent, DialogTitle, Table, TableBody, TableCell, TableHead, TableRow } from "@mui/material";
import { useTranslation } from "react-i18next";
import { SHORTCUTS } from "./shortcuts";

const MAC = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

function keyLabel(combo: string): string {
  return combo
    .split("+")
    .map((part) => (part === "mod" ? (MAC ? "⌘" : "Ctrl") : part.length === 1 ? part.toUpperCase() : part[0]?.toUpperCase() + part.slice(1)))
    .join(" + ");
}

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog open={open} onClose={onClose} aria-labelledby="shortcuts-title">
      <DialogTitle id="shortcuts-title">{t("shortcuts.title")}</DialogTitle>
      <DialogContent>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell component="th" scope="col">{t("shortcuts.keys")}</TableCell>
              <TableCell component="th" scope="col">{t("shortcuts.action")}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {SHORTCUTS.map((shortcut) => (
              <TableRow key={shortcut.action}>
                <TableCell><kbd>{shortcut.keys.map(keyLabel).join(" / ")}</kbd></TableCell>
                <TableCell>{t(`shortcuts.${shortcut.action}`)}</TableCell>
              </TableRow>
            ))}
            <TableRow>
              <TableCell><kbd>← ↑ → ↓</kbd></TableCell>
              <TableCell>{t("shortcuts.move")}</TableCell>
            </TableRow>
          </TableBody>
        </Table>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t("common.close")}</Button>
      </DialogActions>
    </Dialog>
  );
}
