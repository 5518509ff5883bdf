/** Loads a chain and the node library, puts the chain on the canvas, shows the designer. */
import { useState } from "react";
import { useParams } from "react-router";
import { useChain } from "../../api/chains";
import { usePermissions } from "../../api/me";
import { useNodeCatalog } from "../../api/nodes";
import type { StrategyPublic } from "../../client/types.gen";
import { QueryState } from "../../components/QueryState";
import { CatalogContext } from "../../features/designer/catalog";
import { Designer } from "../../features/designer/Designer";
import { chainToFlow } from "../../graph";
import { useCanvasStore } from "../../stores/canvasStore";

/**
 * Puts `chain` on the canvas once, when mounted. Later refetches (saving refetches) do not
 * reset the canvas; the page remounts this with a new key to reload on purpose.
 */
function LoadedDesigner({ chain, canEdit, onReload }: { chain: StrategyPublic | null; canEdit: boolean; onReload: () => void }) {
  const [initial] = useState(() => {
    useCanvasStore.getState().actions.load(chainToFlow(chain?.nodes ?? []));
    return chain;
  });
  return <Designer chain={initial} canEdit={canEdit} onReload={onReload} />;
}

export function DesignerPage() {
  const { chainId = "" } = useParams();
  const isNew = chainId === "new";
  const chain = useChain(isNew ? undefined : chainId);
  const catalog = useNodeCatalog();
  const { canEdit } = usePermissions();
  const [loads, setLoads] = useState(0);
  const reload = () => void chain.refetch().then(() => setLoads((count) => count + 1));
  const both = {
    isPending: (!isNew && chain.isPending) || catalog.isPending,
    isError: chain.isError || catalog.isError,
    error: chain.error ?? catalog.error,
    refetch: () => Promise.all([chain.refetch(), catalog.refetch()]),
  };
  return (
    <QueryState query={both}>
      {(isNew || chain.data) && catalog.data ? (
        <CatalogContext.Provider value={catalog.data}>
          <LoadedDesigner key={`${chainId}:${loads}`} chain={isNew ? null : (chain.data ?? null)} canEdit={canEdit} onReload={reload} />
        </CatalogContext.Provider>
      ) : null}
    </QueryState>
  );
}
