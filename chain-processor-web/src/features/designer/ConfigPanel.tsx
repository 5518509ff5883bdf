/** The selected step's settings, as a form generated from its node's config schema. */
import { Box, Stack, Typography } from "@mui/material";
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { selectActions, selectSelectedNode, useCanvasStore } from "../../stores/canvasStore";
import { SchemaForm } from "../schema-form/SchemaForm";
import { useCatalog } from "./catalog";
import { NodeVersionSelect } from "./NodeVersionSelect";

export function ConfigPanel({ readOnly }: { readOnly: boolean }) {
  const { t } = useTranslation();
  const step = useCanvasStore(selectSelectedNode);
  const actions = useCanvasStore(selectActions);
  const item = useCatalog().get(step?.data.nodeId ?? "");
  const headingId = useId();
  const title = item?.title ?? step?.data.nodeId ?? "";
  return (
    <Box component="section" aria-labelledby={headingId} data-testid="config-panel">
      <Typography id={headingId} variant="subtitle1" component="h2" gutterBottom>
        {step ? t("config.title", { title }) : t("config.select")}
      </Typography>
      {step ? (
        <Stack spacing={2}>
          <NodeVersionSelect nodeId={step.data.nodeId} value={step.data.nodeVersionId} disabled={readOnly}
            onChange={(nodeVersionId) => actions.updateStep(step.id, { nodeVersionId })} />
          <SchemaForm
          key={step.id}
          schema={item?.configSchema ?? null}
          value={step.data.config}
          disabled={readOnly}
          onChange={(config) => actions.updateStep(step.id, { config })}
          />
        </Stack>
      ) : null}
    </Box>
  );
}
