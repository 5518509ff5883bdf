/** A chain's versions: pick one to see how its steps differ from the current one; roll back. */
import { Alert, Box, Button, Drawer, List, ListItem, ListItemButton, ListItemText, Typography } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useChainVersions, useRollbackChain } from "../../api/chains";
import type { StrategyPublic } from "../../client/types.gen";
import { QueryState } from "../../components/QueryState";
import { diffSteps, type StepChange } from "../../graph";
import { useFormat } from "../../i18n/format";
import { useCatalog } from "./catalog";

interface Props {
  open: boolean;
  chain: StrategyPublic;
  canEdit: boolean;
  onClose: () => void;
  onRolledBack: (chain: StrategyPublic) => void;
}

function useChangeText() {
  const { t } = useTranslation();
  const catalog = useCatalog();
  const title = (id: string) => catalog.get(id)?.title ?? id;
  return (change: StepChange) => {
    const position = change.position + 1;
    if (change.kind === "replaced") return t("versions.change.replaced", { position, before: title(change.before), after: title(change.after) });
    if (change.kind === "config") return t("versions.change.config", { position, node: title(change.nodeId), keys: change.keys.join(", ") });
    return t(`versions.change.${change.kind}`, { position, node: title(change.nodeId) });
  };
}

export function VersionsDrawer({ open, chain, canEdit, onClose, onRolledBack }: Props) {
  const { t } = useTranslation();
  const format = useFormat();
  const versions = useChainVersions(chain.id, open);
  const rollback = useRollbackChain(chain.id);
  const changeText = useChangeText();
  const [picked, setPicked] = useState<string | null>(null);
  const selected = versions.data?.data.find((version) => version.version === picked);
  const changes = selected ? diffSteps(selected.nodes, chain.nodes) : [];
  return (
    <Drawer anchor="right" open={open} onClose={onClose} slotProps={{ paper: { sx: { width: 420, p: 2 }, role: "dialog", "aria-labelledby": "versions-title" } }}>
      <Typography id="versions-title" variant="h6" component="h2">{t("versions.title")}</Typography>
      <QueryState query={versions}>
        <List dense>
          {versions.data?.data.map((version) => (
            <ListItem key={version.id} disablePadding>
            <ListItemButton selected={version.version === picked} onClick={() => setPicked(version.version)}>
              <ListItemText primary={`${version.version}${version.version === chain.current_version ? " ✓" : ""} — ${version.change_note}`} secondary={format.dateTime(version.created_at)} />
            </ListItemButton>
            </ListItem>
          ))}
        </List>
      </QueryState>
      {selected ? (
        <Box>
          <Typography variant="subtitle2" component="h3">{t("versions.diffTitle", { from: selected.version, to: chain.current_version })}</Typography>
          <List dense data-testid="version-diff">
            {changes.length === 0 ? <ListItem>{t("versions.noChanges")}</ListItem> : null}
            {changes.map((change, index) => <ListItem key={index}>{changeText(change)}</ListItem>)}
          </List>
          {rollback.isError ? <Alert severity="error">{t("common.unknownError", { message: rollback.error.message })}</Alert> : null}
          {canEdit && selected.version !== chain.current_version ? (
            <Button variant="outlined" disabled={rollback.isPending}
              onClick={() => rollback.mutate({ to_version: selected.version, expected_version: chain.version }, { onSuccess: (restored) => { setPicked(null); onRolledBack(restored); } })}>
              {t("versions.rollback", { version: selected.version })}
            </Button>
          ) : null}
        </Box>
      ) : null}
      <Button onClick={onClose} sx={{ mt: 2 }}>{t("common.close")}</Button>
    </Drawer>
  );
}
