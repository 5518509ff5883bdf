/** The fields of a node: name, description, tags and its Python code. */
import { Stack, TextField, Typography } from "@mui/material";
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";

const CodeEditor = lazy(() => import("../../components/CodeEditor"));

export interface NodeDraft {
  name: string;
  description: string;
  tags: string;
  code: string;
}

export const NEW_NODE_CODE = 'def node(input_text: str) -> str:\n    """Describe what the node does."""\n    return input_text\n';

interface Props {
  draft: NodeDraft;
  readOnly: boolean;
  onChange: (draft: NodeDraft) => void;
}

export function parseTags(tags: string): string[] {
  return tags.split(",").map((tag) => tag.trim().toLowerCase()).filter(Boolean);
}

export function NodeForm({ draft, readOnly, onChange }: Props) {
  const { t } = useTranslation();
  const set = (patch: Partial<NodeDraft>) => onChange({ ...draft, ...patch });
  return (
    <Stack spacing={2}>
      <TextField label={t("common.name")} required value={draft.name} disabled={readOnly} onChange={(event) => set({ name: event.target.value })} />
      <TextField label={t("common.description")} multiline minRows={2} value={draft.description} disabled={readOnly} onChange={(event) => set({ description: event.target.value })} />
      <TextField label={t("common.tags")} value={draft.tags} disabled={readOnly} onChange={(event) => set({ tags: event.target.value })} />
      <div>
        <Typography variant="subtitle2" component="h2">{t("nodes.code")}</Typography>
        <Typography variant="caption" component="p">{t("nodes.codeHelp")}</Typography>
        <Suspense fallback={<Typography role="status">{t("app.loading")}</Typography>}>
          <CodeEditor label={t("nodes.code")} value={draft.code} readOnly={readOnly} onChange={(code) => set({ code })} />
        </Suspense>
      </div>
    </Stack>
  );
}
