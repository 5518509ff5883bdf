/**
 * The keyboard path through the chain: its steps in order, each with move up, move down,
 * configure and remove buttons, so a chain can be built and reordered without dragging.
 */
import { Box, IconButton, List, ListItem, ListItemButton, ListItemText, Typography } from "@mui/material";
import ArrowDownward from "@mui/icons-material/ArrowDownward";
import ArrowUpward from "@mui/icons-material/ArrowUpward";
import DeleteOutline from "@mui/icons-material/DeleteOutlined";
import { useId, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { orderedNodes } from "../../graph";
import { selectActions, selectEdges, selectNodes, useCanvasStore } from "../../stores/canvasStore";
import { useCatalog } from "./catalog";
import { useValidation } from "./validation";

export function StepList({ readOnly }: { readOnly: boolean }) {
  const { t } = useTranslation();
  const nodes = useCanvasStore(selectNodes);
  const edges = useCanvasStore(selectEdges);
  const actions = useCanvasStore(selectActions);
  const catalog = useCatalog();
  const byNode = useValidation().byNode;
  const headingId = useId();
  const steps = useMemo(() => orderedNodes({ nodes, edges }), [nodes, edges]);

  return (
    <Box component="section" aria-labelledby={headingId}>
      <Typography id={headingId} variant="subtitle1" component="h2">
        {t("steps.title")}
      </Typography>
      {steps.length === 0 ? <Typography variant="body2">{t("steps.empty")}</Typography> : null}
      <List dense component="ol" sx={{ pl: 0 }}>
        {steps.map((step, index) => {
          const title = catalog.get(step.data.nodeId)?.title ?? step.data.nodeId;
          const problems = byNode[step.id]?.length ?? 0;
          return (
            <ListItem key={step.id} disablePadding data-testid="step-row" sx={{ gap: 0.5 }}>
              <ListItemButton
                selected={Boolean(step.selected)}
                onClick={() => actions.select(step.id)}
                aria-label={t("steps.configure", { title })}
                sx={{ minWidth: 0 }}
              >
                <ListItemText
                  primary={`${index + 1}. ${title}`}
                  secondary={problems ? t("designer.problems", { count: problems }) : null}
                  slotProps={{ secondary: { color: "error" } }}
                />
              </ListItemButton>
              {readOnly ? null : (
                <>
                  <IconButton size="small" aria-label={t("steps.moveUp", { title })} disabled={index === 0} onClick={() => actions.moveStep(step.id, -1)}>
                    <ArrowUpward fontSize="small" />
                  </IconButton>
                  <IconButton size="small" aria-label={t("steps.moveDown", { title })} disabled={index === steps.length - 1} onClick={() => actions.moveStep(step.id, 1)}>
                    <ArrowDownward fontSize="small" />
                  </IconButton>
                  <IconButton size="small" aria-label={t("steps.remove", { title })} onClick={() => actions.removeSteps([step.id])}>
                    <DeleteOutline fontSize="small" />
                  </IconButton>
                </>
              )}
            </ListItem>
          );
        })}
      </List>
    </Box>
  );
}
