/** Every problem on the canvas, in a list a keyboard user can follow to the step at fault. */
import { Alert, Link, List, ListItem } from "@mui/material";
import { useTranslation } from "react-i18next";
import { useCanvasStore, selectActions } from "../../stores/canvasStore";
import { useCatalog } from "./catalog";
import { useIssueText } from "./useIssueText";
import { useValidation } from "./validation";

export function IssuesPanel() {
  const { t } = useTranslation();
  const validation = useValidation();
  const actions = useCanvasStore(selectActions);
  const nodes = useCanvasStore((state) => state.nodes);
  const catalog = useCatalog();
  const issueText = useIssueText();
  if (validation.valid) {
    return <Alert severity="success" role="status">{t("designer.valid")}</Alert>;
  }
  const titleOf = (id: string) => {
    const node = nodes.find((candidate) => candidate.id === id);
    return node ? (catalog.get(node.data.nodeId)?.title ?? node.data.nodeId) : id;
  };
  return (
    <Alert severity="warning" role="status" aria-label={t("issues.listLabel")}>
      {t("designer.problems", { count: validation.issues.length })}
      <List dense disablePadding>
        {validation.issues.slice(0, 8).map((issue, index) => (
          <ListItem key={index} disableGutters sx={{ display: "list-item", listStyle: "disc", ml: 2 }}>
            {issue.nodeId ? (
              <Link component="button" type="button" onClick={() => actions.select(issue.nodeId as string)}>
                {titleOf(issue.nodeId)}
              </Link>
            ) : null}
            {issue.nodeId ? ": " : null}
            {issueText(issue)}
          </ListItem>
        ))}
      </List>
    </Alert>
  );
}
