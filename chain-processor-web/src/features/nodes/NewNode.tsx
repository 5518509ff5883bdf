import { Alert, Button, Stack } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { useCreateNode } from "../../api/nodes";
import { PageHeader } from "../../components/PageHeader";
import { NEW_NODE_CODE, NodeForm, parseTags, type NodeDraft } from "./NodeForm";
import { TestRunPanel } from "./TestRunPanel";

export function NewNode() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const create = useCreateNode();
  const [draft, setDraft] = useState<NodeDraft>({ name: "", description: "", tags: "", code: NEW_NODE_CODE });
  const save = () =>
    create.mutate(
      { name: draft.name, description: draft.description || null, tags: parseTags(draft.tags), code: draft.code },
      { onSuccess: (node) => navigate(`/nodes/${node.id}`, { replace: true }) },
    );
  return (
    <>
      <PageHeader title={t("nodes.newTitle")} />
      <Stack spacing={2} sx={{ maxWidth: 900 }}>
        {create.isError ? <Alert severity="error">{t("common.unknownError", { message: create.error.message })}</Alert> : null}
        <NodeForm draft={draft} readOnly={false} onChange={setDraft} />
        <Stack direction="row" spacing={1}>
          <Button variant="contained" onClick={save} disabled={!draft.name.trim() || create.isPending}>{t("common.create")}</Button>
        </Stack>
        <TestRunPanel code={draft.code} />
      </Stack>
    </>
  );
}
