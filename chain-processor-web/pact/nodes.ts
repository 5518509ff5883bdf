/** The node library as the designer uses it: the catalog, one node, a new node. */
import { MatchersV3 } from "@pact-foundation/pact";
import { useCreateNode, useNode, useNodeCatalog } from "../src/api/nodes";
import { EXAMPLE, JSON_HEADERS, SIGNED_IN, bearer, mutationOf, pact, path, queryData, useMockServer } from "./support";
import { node, page } from "./shapes";

const { like, string } = MatchersV3;

/** What the new-node form sends (features/nodes/NewNode.tsx). */
const SHOUT = "def node(input_text: str) -> str:\n    return input_text.upper() + '!'\n";

export function nodeLibrary(): void {
  it("reads the catalog of every node, inactive ones too", () =>
    pact
      .addInteraction()
      .given(SIGNED_IN)
      .given("a node exists")
      .uponReceiving("a request for the node catalog")
      .withRequest("GET", "/api/v1/nodes", (request) =>
        request.query({ include_inactive: "true", limit: "500" }).headers(bearer()),
      )
      .willRespondWith(200, (response) => response.headers(JSON_HEADERS).jsonBody(page(node())))
      .executeTest(async (server) => {
        useMockServer(server.url);
        const catalog = await queryData(() => useNodeCatalog());
        expect(catalog.get(EXAMPLE.nodeId)).toMatchObject({ name: "shout", builtin: false, isActive: true });
      }));

  it("reads one node with its code", () =>
    pact
      .addInteraction()
      .given(SIGNED_IN)
      .given("a node exists")
      .uponReceiving("a request for one node")
      .withRequest("GET", path("/api/v1/nodes/${nodeId}", `/api/v1/nodes/${EXAMPLE.nodeId}`), (request) =>
        request.headers(bearer()),
      )
      .willRespondWith(200, (response) =>
        response.headers(JSON_HEADERS).jsonBody({ ...node(), description: string("Shouts the text.") }),
      )
      .executeTest(async (server) => {
        useMockServer(server.url);
        const found = await queryData(() => useNode(EXAMPLE.nodeId));
        expect(found.id).toBe(EXAMPLE.nodeId);
        expect(found.code).toContain("def node");
      }));

  it("creates a node from its code", () =>
    pact
      .addInteraction()
      .given(SIGNED_IN)
      .uponReceiving("a new node")
      .withRequest("POST", "/api/v1/nodes", (request) =>
        request.headers({ ...bearer(), ...JSON_HEADERS }).jsonBody({
          name: "pact-shout",
          description: "Shouts the text.",
          code: SHOUT,
          tags: ["text"],
        }),
      )
      .willRespondWith(201, (response) =>
        response.headers(JSON_HEADERS).jsonBody({ ...node(), name: "pact-shout", code: SHOUT, tags: like(["text"]) }),
      )
      .executeTest(async (server) => {
        useMockServer(server.url);
        const create = mutationOf(() => useCreateNode());
        const created = await create.current.mutateAsync({
          name: "pact-shout",
          description: "Shouts the text.",
          code: SHOUT,
          tags: ["text"],
        });
        create.unmount();
        expect(created.name).toBe("pact-shout");
        expect(created.version).toBe(1);
      }));
}
