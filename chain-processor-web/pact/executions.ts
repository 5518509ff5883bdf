/** Running a chain from the designer: submit, read the run and its steps, cancel. */
import { MatchersV3 } from "@pact-foundation/pact";
import { useCancelExecution, useExecution, useNodeExecutions, useStartExecution } from "../src/api/executions";
import { EXAMPLE, JSON_HEADERS, SIGNED_IN, bearer, mutationOf, pact, path, queryData, useMockServer } from "./support";
import { execution, nodeExecution, page } from "./shapes";

const { fromProviderState, string } = MatchersV3;

const EXECUTION_PATH = `/api/v1/executions/${EXAMPLE.executionId}`;

export function runs(): void {
  it("submits a run of the chain on the canvas", () =>
    pact
      .addInteraction()
      .given(SIGNED_IN)
      .given("a chain exists")
      .uponReceiving("a new execution of a chain")
      .withRequest("POST", "/api/v1/executions", (request) =>
        request.headers({ ...bearer(), ...JSON_HEADERS }).jsonBody({
          strategy_id: fromProviderState("${chainId}", EXAMPLE.chainId),
          input_text: "hello",
        }),
      )
      .willRespondWith(201, (response) => response.headers(JSON_HEADERS).jsonBody(execution("pending")))
      .executeTest(async (server) => {
        useMockServer(server.url);
        const start = mutationOf(() => useStartExecution());
        // Pact reports a request it did not get, not why: say what the client met (flaky once).
        const created = await start.current
          .mutateAsync({ strategy_id: EXAMPLE.chainId, input_text: "hello" })
          .catch((error: unknown) => {
            // eslint-disable-next-line no-console -- PactV4 shows the missing request, not this
            console.error("the submit failed before the mock server answered it:", error);
            throw error;
          });
        start.unmount();
        expect(created.status).toBe("pending");
      }));

  it("reads a finished run", () =>
    pact
      .addInteraction()
      .given(SIGNED_IN)
      .given("a finished execution exists")
      .uponReceiving("a request for one execution")
      .withRequest("GET", path("/api/v1/executions/${executionId}", EXECUTION_PATH), (request) =>
        request.headers(bearer()),
      )
      .willRespondWith(200, (response) =>
        response.headers(JSON_HEADERS).jsonBody({ ...execution("succeeded"), output_text: string("HELLO") }),
      )
      .executeTest(async (server) => {
        useMockServer(server.url);
        const found = await queryData(() => useExecution(EXAMPLE.executionId));
        expect(found).toMatchObject({ status: "succeeded", output_text: "HELLO" });
      }));

  it("reads what each step of a run did", () =>
    pact
      .addInteraction()
      .given(SIGNED_IN)
      .given("a finished execution exists")
      .uponReceiving("a request for the steps of an execution")
      .withRequest("GET", path("/api/v1/executions/${executionId}/nodes", `${EXECUTION_PATH}/nodes`), (request) =>
        request.headers(bearer()),
      )
      .willRespondWith(200, (response) => response.headers(JSON_HEADERS).jsonBody(page(nodeExecution())))
      .executeTest(async (server) => {
        useMockServer(server.url);
        const steps = await queryData(() => useNodeExecutions(EXAMPLE.executionId, true));
        expect(steps.data[0]).toMatchObject({ position: 0, status: "succeeded", output_text: "HELLO" });
      }));

  it("cancels a run that has not started", () =>
    pact
      .addInteraction()
      .given(SIGNED_IN)
      .given("a pending execution exists")
      .uponReceiving("a cancel of a pending execution")
      .withRequest("POST", path("/api/v1/executions/${executionId}/cancel", `${EXECUTION_PATH}/cancel`), (request) =>
        request.headers(bearer()),
      )
      .willRespondWith(200, (response) => response.headers(JSON_HEADERS).jsonBody(execution("cancelled")))
      .executeTest(async (server) => {
        useMockServer(server.url);
        const cancel = mutationOf(() => useCancelExecution());
        const cancelled = await cancel.current.mutateAsync(EXAMPLE.executionId);
        cancel.unmount();
        expect(cancelled.status).toBe("cancelled");
      }));
}
