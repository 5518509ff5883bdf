/** A node's versions: pick one to see its code against the current one, or roll back to it. */
import { Alert, Button, List, ListItem, ListItemButton, ListItemText, Stack, Typography } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNodeVersions, useRollbackNode } from "../../api/nodes";
import type { NodePublic } from "../../client/types.gen";
import { DiffView } from "../../components/DiffView";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";

export function NodeVersions({ node, canEdit }: { node: NodePublic; canEdit: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const versions = useNodeVersions(node.id);
  const rollback = useRollbackNode(node.id);
  const [picked, setPicked] = useState<string | null>(null);
  const selected = versions.data?.data.find((version) => version.version === picked);
  return (
    <section aria-labelledby="node-versions">
      <Typography id="node-versions" variant="h6" component="h2">{t("nodes.versions")}</Typography>
      <QueryState query={versions}>
        <List dense>
          {versions.data?.data.map((version) => (
            <ListItem key={version.id} disablePadding>
            <ListItemButton selected={version.version === picked} onClick={() => setPicked(version.version)}>
              <ListItemText primary={`${version.version}${version.version === node.current_version ? " ✓" : ""} — ${version.change_note}`} secondary={format.dateTime(version.created_at)} />
            </ListItemButton>
            </ListItem>
          ))}
        </List>
      </QueryState>
      {rollback.isError ? <Alert severity="error">{t("common.unknownError", { message: rollback.error.message })}</Alert> : null}
      {selected ? (
        <Stack spacing={1}>
          <Typography variant="subtitle2" component="h3">{t("nodes.diffTitle", { from: selected.version, to: node.current_version })}</Typography>
          <DiffView before={selected.code} after={node.code} label={t("nodes.diffTitle", { from: selected.version, to: node.current_version })} />
          {canEdit && selected.version !== node.current_version ? (
            <Button variant="outlined" disabled={rollback.isPending}
              onClick={() => rollback.mutate({ to_version: selected.version, expected_version: node.version }, { onSuccess: () => setPicked(null) })}>
              {t("versions.rollback", { version: selected.version })}
            </Button>
          ) : null}
        </Stack>
      ) : null}
    </section>
  );
}
