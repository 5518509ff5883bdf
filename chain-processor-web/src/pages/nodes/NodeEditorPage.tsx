import { useParams } from "react-router";
import { EditNode } from "../../features/nodes/EditNode";
import { NewNode } from "../../features/nodes/NewNode";

export function NodeEditorPage() {
  const { nodeId } = useParams();
  return nodeId && nodeId !== "new" ? <EditNode key={nodeId} id={nodeId} /> : <NewNode />;
}
