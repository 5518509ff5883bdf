/** The designer's commands as labelled icon buttons; page-level commands come from props. */
import { Divider, IconButton, Stack, Tooltip } from "@mui/material";
import AccountTree from "@mui/icons-material/AccountTree";
import ContentCopy from "@mui/icons-material/ContentCopy";
import ContentPaste from "@mui/icons-material/ContentPaste";
import DeleteOutline from "@mui/icons-material/DeleteOutlined";
import FilterNone from "@mui/icons-material/FilterNone";
import FitScreen from "@mui/icons-material/FitScreen";
import Keyboard from "@mui/icons-material/Keyboard";
import Redo from "@mui/icons-material/Redo";
import Undo from "@mui/icons-material/Undo";
import type { ReactElement, ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { selectActions, selectCanRedo, selectCanUndo, selectHasClipboard, selectSelectionCount, useCanvasStore } from "../../stores/canvasStore";

function Tool({ label, icon, disabled, onClick }: { label: string; icon: ReactElement; disabled?: boolean; onClick: () => void }) {
  return (
    <Tooltip title={label}>
      <span>
        <IconButton aria-label={label} disabled={disabled} onClick={onClick} size="small">
          {icon}
        </IconButton>
      </span>
    </Tooltip>
  );
}

interface Props {
  readOnly: boolean;
  onFit: () => void;
  onHelp: () => void;
  children?: ReactNode;
}

export function Toolbar({ readOnly, onFit, onHelp, children }: Props) {
  const { t } = useTranslation();
  const actions = useCanvasStore(selectActions);
  const canUndo = useCanvasStore(selectCanUndo);
  const canRedo = useCanvasStore(selectCanRedo);
  const hasClip = useCanvasStore(selectHasClipboard);
  const selected = useCanvasStore(selectSelectionCount);
  return (
    <Stack sx={{ alignItems: "center", flexWrap: "wrap", gap: 0.5 }} direction="row" role="toolbar" aria-label={t("designer.toolbar")}>
      {readOnly ? null : (
        <>
          <Tool label={t("designer.undo")} icon={<Undo />} disabled={!canUndo} onClick={actions.undo} />
          <Tool label={t("designer.redo")} icon={<Redo />} disabled={!canRedo} onClick={actions.redo} />
          <Divider orientation="vertical" flexItem />
          <Tool label={t("designer.copy")} icon={<ContentCopy />} disabled={!selected} onClick={actions.copy} />
          <Tool label={t("designer.paste")} icon={<ContentPaste />} disabled={!hasClip} onClick={actions.paste} />
          <Tool label={t("designer.duplicate")} icon={<FilterNone />} disabled={!selected} onClick={actions.duplicate} />
          <Tool label={t("designer.deleteSelected")} icon={<DeleteOutline />} disabled={!selected} onClick={actions.deleteSelected} />
          <Divider orientation="vertical" flexItem />
          <Tool label={t("designer.autoLayout")} icon={<AccountTree />} onClick={actions.autoLayout} />
        </>
      )}
      <Tool label={t("designer.fitView")} icon={<FitScreen />} onClick={onFit} />
      <Tool label={t("designer.shortcuts")} icon={<Keyboard />} onClick={onHelp} />
      {children}
    </Stack>
  );
}
