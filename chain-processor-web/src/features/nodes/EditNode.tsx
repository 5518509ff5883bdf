/** An existing node: edit and save a new version (409 when someone saved first), versions. */
import { Alert, Box, Button, Stack } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/http";
import { usePermissions } from "../../api/me";
import { toPaletteItem, useNode, useUpdateNode } from "../../api/nodes";
import type { BumpLevel, NodePublic } from "../../client/types.gen";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { SaveVersionDialog } from "../../components/SaveVersionDialog";
import { NodeForm, parseTags, type NodeDraft } from "./NodeForm";
import { NodeVersions } from "./NodeVersions";
import { TestRunPanel } from "./TestRunPanel";

function draftOf(node: NodePublic): NodeDraft {
  return { name: node.name, description: node.description ?? "", tags: node.tags.join(", "), code: node.code };
}

export function EditNode({ id }: { id: string }) {
  const query = useNode(id);
  const node = query.data;
  return (
    <QueryState query={query}>
      {/* Keyed by version: a save or a reload starts from what the server has. */}
      {node ? <NodeEditor key={node.version} node={node} refetch={() => void query.refetch()} /> : null}
    </QueryState>
  );
}

function NodeEditor({ node, refetch }: { node: NodePublic; refetch: () => void }) {
  const { t } = useTranslation();
  const { canEdit } = usePermissions();
  const update = useUpdateNode(node.id);
  const [draft, setDraft] = useState<NodeDraft>(() => draftOf(node));
  const [saving, setSaving] = useState(false);
  const readOnly = !canEdit || Boolean(node?.is_builtin);
  const stale = update.error instanceof ApiError && update.error.status === 409;

  const save = (bump: BumpLevel, changeNote: string) => {
    update.mutate(
      { expected_version: node.version, bump, change_note: changeNote, name: draft.name, description: draft.description || null, code: draft.code, tags: parseTags(draft.tags) },
      { onSuccess: () => setSaving(false) },
    );
  };
  const reload = () => {
    update.reset();
    setSaving(false);
    refetch();
  };
  const saveError = stale ? (
    <>{t("nodes.stale")} <Button onClick={reload}>{t("common.reload")}</Button></>
  ) : update.isError ? t("common.unknownError", { message: update.error.message }) : null;

  return (
    <>
          <PageHeader title={t("nodes.editTitle", { name: toPaletteItem(node).title })} actions={
            readOnly ? null : <Button variant="contained" onClick={() => setSaving(true)}>{t("common.save")}</Button>
          } />
          {node.is_builtin ? <Alert severity="info" sx={{ mb: 2 }}>{t("nodes.builtinReadOnly")}</Alert> : null}
          {!canEdit ? <Alert severity="info" sx={{ mb: 2 }}>{t("common.readOnly")}</Alert> : null}
          <Stack direction={{ xs: "column", lg: "row" }} spacing={3}>
            <Stack spacing={3} sx={{ flex: 2, minWidth: 0 }}>
              <NodeForm draft={draft} readOnly={readOnly} onChange={setDraft} />
              <TestRunPanel code={draft.code} saved={node} />
            </Stack>
            <Box sx={{ flex: 1, minWidth: 0 }}>
              <NodeVersions node={node} canEdit={canEdit && !node.is_builtin} />
            </Box>
          </Stack>
          <SaveVersionDialog open={saving} pending={update.isPending} error={saveError} onClose={() => setSaving(false)} onSave={save} />
    </>
  );
}
