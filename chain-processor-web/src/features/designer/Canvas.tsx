/** The React Flow canvas bound to the canvas store; palette items can be dropped on it. */
import { Background, Controls, MiniMap, ReactFlow, useReactFlow, type Connection, type Edge, type IsValidConnection } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, type DragEvent } from "react";
import { useTranslation } from "react-i18next";
import { selectActions, selectEdges, selectNodes, useCanvasStore } from "../../stores/canvasStore";
import { DRAG_TYPE } from "./catalog";
import { useFlowLabels } from "./flowLabels";
import { nodeTypes } from "./StepNode";

const isValidConnection: IsValidConnection = (connection: Connection | Edge) => connection.source !== connection.target;
const FIT_VIEW = { padding: 0.2, maxZoom: 1 } as const;
const DEFAULT_EDGE = { type: "smoothstep", markerEnd: { type: "arrowclosed" } } as const;

export function Canvas({ readOnly }: { readOnly: boolean }) {
  const { t } = useTranslation();
  const nodes = useCanvasStore(selectNodes);
  const edges = useCanvasStore(selectEdges);
  const actions = useCanvasStore(selectActions);
  const { screenToFlowPosition } = useReactFlow();
  const ariaLabelConfig = useFlowLabels();

  const onDragOver = useCallback((event: DragEvent) => {
    if (event.dataTransfer.types.includes(DRAG_TYPE)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    }
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const nodeId = event.dataTransfer.getData(DRAG_TYPE);
      if (!nodeId || readOnly) return;
      event.preventDefault();
      const position = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      actions.addStep({ nodeId, nodeVersionId: null, config: {} }, position);
    },
    [actions, readOnly, screenToFlowPosition],
  );

  return (
    <ReactFlow
      aria-label={t("designer.canvas")}
      ariaLabelConfig={ariaLabelConfig}
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      defaultEdgeOptions={DEFAULT_EDGE}
      onNodesChange={actions.onNodesChange}
      onEdgesChange={actions.onEdgesChange}
      onConnect={actions.connect}
      onNodeDragStart={actions.checkpoint}
      isValidConnection={isValidConnection}
      onDragOver={onDragOver}
      onDrop={onDrop}
      nodesDraggable={!readOnly}
      nodesConnectable={!readOnly}
      deleteKeyCode={null}
      fitView
      fitViewOptions={FIT_VIEW}
      minZoom={0.2}
      maxZoom={2}
      proOptions={{ hideAttribution: false }}
    >
      <Background />
      <MiniMap pannable zoomable />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
