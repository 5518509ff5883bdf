/**
 * The chain designer: palette and step list on the left, the canvas in the middle, settings,
 * problems and the run panel on the right. The page loads the chain into the canvas store;
 * this component wires the pieces together and owns the dialogs.
 */
import { Box, Button, Chip, Paper, Stack } from "@mui/material";
import { ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useCallback, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import type { StrategyPublic } from "../../client/types.gen";
import { PageHeader } from "../../components/PageHeader";
import { chainToFlow } from "../../graph";
import { selectActions, selectDirty, useCanvasStore } from "../../stores/canvasStore";
import { Canvas } from "./Canvas";
import type { PaletteItem } from "./catalog";
import { ConfigPanel } from "./ConfigPanel";
import { downloadChain } from "./exportChain";
import { IssuesPanel } from "./IssuesPanel";
import { Palette } from "./Palette";
import { RunPanel } from "./RunPanel";
import { SaveChainDialog } from "./SaveChainDialog";
import { ShortcutsDialog } from "./ShortcutsDialog";
import { StepList } from "./StepList";
import { Toolbar } from "./Toolbar";
import { useSaveChain } from "./useSaveChain";
import { useShortcuts } from "./useShortcuts";
import { useLiveValidation, ValidationContext } from "./validation";
import { VersionsDrawer } from "./VersionsDrawer";

interface Props {
  /** The saved chain, or null for a new one (its first save creates it). */
  chain: StrategyPublic | null;
  canEdit: boolean;
  onReload: () => void;
}

function DesignerBody({ chain, canEdit, onReload }: Props) {
  const { t } = useTranslation();
  const actions = useCanvasStore(selectActions);
  const dirty = useCanvasStore(selectDirty);
  const validation = useLiveValidation();
  const { fitView } = useReactFlow();
  const navigate = useNavigate();
  const [current, setCurrent] = useState(chain);
  const [dialog, setDialog] = useState<"save" | "help" | "versions" | null>(null);
  const saving = useSaveChain(current, (saved) => {
    setDialog(null);
    if (current) setCurrent(saved);
    else navigate(`/chains/${saved.id}`, { replace: true });
  });
  const readOnly = !canEdit;
  const fit = useCallback(() => void fitView({ padding: 0.2 }), [fitView]);
  const commands = useMemo(
    () => ({ save: () => setDialog("save"), help: () => setDialog("help"), fit }),
    [fit],
  );
  useShortcuts(commands, readOnly);
  const addAtEnd = (item: PaletteItem) => actions.appendStep({ nodeId: item.id, nodeVersionId: null, config: {} });
  const loadChain = (restored: StrategyPublic) => {
    setCurrent(restored);
    actions.load(chainToFlow(restored.nodes));
  };

  return (
    <ValidationContext.Provider value={validation}>
      <PageHeader title={current ? t("designer.title", { name: current.name }) : t("designer.newTitle")} actions={
        <>
          {current ? <Chip label={`${t("common.version")} ${current.current_version}`} /> : null}
          {dirty ? <Chip color="warning" label={t("designer.unsaved")} /> : null}
        </>
      } />
      <Toolbar readOnly={readOnly} onFit={fit} onHelp={() => setDialog("help")}>
        {current ? (
          <>
            <Button onClick={() => void downloadChain(current.id, `${current.name}-${current.current_version}.json`)}>{t("designer.export")}</Button>
            <Button onClick={() => setDialog("versions")}>{t("designer.history")}</Button>
          </>
        ) : null}
        {readOnly ? null : <Button variant="contained" onClick={() => setDialog("save")}>{t("designer.save")}</Button>}
      </Toolbar>
      <Box sx={{ display: "grid", gridTemplateColumns: "260px minmax(0, 1fr) 320px", gap: 1, height: "calc(100vh - 200px)", minHeight: 480 }}>
        <Paper variant="outlined" tabIndex={0} role="region" aria-label={t("designer.stepsPanel")} sx={{ p: 1, overflow: "auto", display: "flex", flexDirection: "column", gap: 2 }}>
          <StepList readOnly={readOnly} />
          <Palette readOnly={readOnly} onAdd={addAtEnd} />
        </Paper>
        <Paper variant="outlined" sx={{ minHeight: 0 }}>
          <Canvas readOnly={readOnly} />
        </Paper>
        <Paper variant="outlined" tabIndex={0} role="region" aria-label={t("designer.detailsPanel")} sx={{ p: 1, overflow: "auto" }}>
          <Stack spacing={2}>
            <IssuesPanel />
            <ConfigPanel readOnly={readOnly} />
            {readOnly || !current ? null : <RunPanel chainId={current.id} dirty={dirty} />}
          </Stack>
        </Paper>
      </Box>
      <ShortcutsDialog open={dialog === "help"} onClose={() => setDialog(null)} />
      {dialog === "save" ? (
        <SaveChainDialog open initialName={current?.name ?? ""} pending={saving.pending} problem={saving.problem}
          onClose={() => { saving.clearProblem(); setDialog(null); }}
          onSave={(bump, changeNote, name) => saving.save({ bump, changeNote, name, validation })}
          onReload={() => { saving.clearProblem(); setDialog(null); onReload(); }} />
      ) : null}
      {current ? (
        <VersionsDrawer open={dialog === "versions"} chain={current} canEdit={canEdit}
          onClose={() => setDialog(null)} onRolledBack={loadChain} />
      ) : null}
    </ValidationContext.Provider>
  );
}

export function Designer(props: Props) {
  return (
    <ReactFlowProvider>
      <DesignerBody {...props} />
    </ReactFlowProvider>
  );
}
