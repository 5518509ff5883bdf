/** Chains as the designer uses them: the list, one chain on the canvas, saving the canvas. */
import { MatchersV3 } from "@pact-foundation/pact";
import { useChain, useChains } from "../src/api/chains";
import type { StrategyPublic } from "../src/client/types.gen";
import { useSaveChain } from "../src/features/designer/useSaveChain";
import { chainToFlow, validateFlow } from "../src/graph";
import { useCanvasStore } from "../src/stores/canvasStore";
import { EXAMPLE, JSON_HEADERS, SIGNED_IN, bearer, mutationOf, pact, path, queryData, useMockServer } from "./support";
import { chain, page } from "./shapes";

const { fromProviderState, integer, like } = MatchersV3;

const CHAIN_PATH = path("/api/v1/chains/${chainId}", `/api/v1/chains/${EXAMPLE.chainId}`);

/**
 * The chain as the designer loaded it: two steps placed on the canvas, each with the names
 * the provider state gives its node's and pinned version's ids.
 */
const STEPS = [
  {
    step: { node_id: EXAMPLE.nodeId, node_version_id: "5c4b3a29-1807-4f6e-8d5c-4b3a29180706", position: 0, config: {}, ui: { x: 0, y: 0 } },
    ids: { node: "${nodeId}", version: "${nodeVersionId}" },
  },
  {
    step: { node_id: EXAMPLE.otherNodeId, node_version_id: "6d5c4b3a-2918-4706-9f5e-4d3c2b1a0f9e", position: 1, config: { max_chars: 20 }, ui: { x: 240, y: 40 } },
    ids: { node: "${otherNodeId}", version: "${otherNodeVersionId}" },
  },
];

const LOADED: StrategyPublic = {
  id: EXAMPLE.chainId,
  name: "shout it",
  description: null,
  tags: ["demo"],
  is_active: true,
  current_version: "1.0.0",
  version: 1,
  created_by_id: null,
  created_at: "2026-11-22T10:00:00Z",
  updated_at: "2026-11-22T10:00:00Z",
  nodes: STEPS.map(({ step }) => step),
};

export function chainDesigner(): void {
  it("lists chains", () =>
    pact
      .addInteraction()
      .given(SIGNED_IN)
      .given("a chain exists")
      .uponReceiving("a request for a page of chains")
      .withRequest("GET", "/api/v1/chains", (request) => request.query({ offset: "0", limit: "50" }).headers(bearer()))
      .willRespondWith(200, (response) => response.headers(JSON_HEADERS).jsonBody(page(chain())))
      .executeTest(async (server) => {
        useMockServer(server.url);
        const found = await queryData(() => useChains({ offset: 0, limit: 50 }));
        expect(found.data[0]?.nodes[0]?.node_id).toBe(EXAMPLE.nodeId);
      }));

  it("reads a chain with its steps' positions and config", () =>
    pact
      .addInteraction()
      .given(SIGNED_IN)
      .given("a chain exists")
      .uponReceiving("a request for one chain")
      .withRequest("GET", CHAIN_PATH, (request) => request.headers(bearer()))
      .willRespondWith(200, (response) => response.headers(JSON_HEADERS).jsonBody(chain()))
      .executeTest(async (server) => {
        useMockServer(server.url);
        const found = await queryData(() => useChain(EXAMPLE.chainId));
        const graph = chainToFlow(found.nodes);
        expect(graph.nodes.map((step) => step.position)).toEqual([{ x: 120, y: 40 }]);
        expect(graph.nodes[0]?.data.nodeId).toBe(EXAMPLE.nodeId);
      }));

  it("saves the canvas as a new version of the chain", () => {
    // The designer sends each step's pinned node version back; the ids are the seeded chain's.
    const sent = STEPS.map(({ step, ids }) => ({
      node_id: fromProviderState(ids.node, step.node_id),
      node_version_id: fromProviderState(ids.version, step.node_version_id),
      config: step.config,
      ui: step.ui,
    }));
    return pact
      .addInteraction()
      .given(SIGNED_IN)
      .given("a chain exists")
      .uponReceiving("a new version of a chain")
      .withRequest("PATCH", CHAIN_PATH, (request) =>
        request.headers({ ...bearer(), ...JSON_HEADERS }).jsonBody({
          expected_version: integer(1),
          bump: "minor",
          change_note: "moved a step",
          name: "shout it",
          nodes: sent,
        }),
      )
      .willRespondWith(200, (response) =>
        response.headers(JSON_HEADERS).jsonBody({ ...chain(), version: integer(2), current_version: like("1.1.0") }),
      )
      .executeTest(async (server) => {
        useMockServer(server.url);
        const graph = chainToFlow(LOADED.nodes);
        useCanvasStore.getState().actions.load(graph);
        const saved: StrategyPublic[] = [];
        const saving = mutationOf(() => useSaveChain(LOADED, (chain) => saved.push(chain)));
        const { nodes, edges } = useCanvasStore.getState();
        saving.current.save({ bump: "minor", changeNote: "moved a step", name: "shout it", validation: validateFlow(nodes, edges) });
        await vi.waitFor(() => expect(saved).toHaveLength(1));
        saving.unmount();
        expect(saved[0]?.version).toBe(2);
      });
  });
}
