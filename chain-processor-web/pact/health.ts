/** The health banner: what `/health/detailed` says about the executor and the queue. */
import { MatchersV3 } from "@pact-foundation/pact";
import { useHealth } from "../src/api/health";
import { JSON_HEADERS, pact, queryData, useMockServer } from "./support";

const { integer } = MatchersV3;

export function platformHealth(): void {
  it("reads the platform's health for the banner", () =>
    pact
      .addInteraction()
      .given("runs wait with no executor")
      .uponReceiving("a check of the platform's health")
      .withRequest("GET", "/health/detailed")
      .willRespondWith(200, (response) =>
        response.headers(JSON_HEADERS).jsonBody({
          status: "degraded",
          executor: { status: "away" },
          queue: { pending: integer(2) },
        }),
      )
      .executeTest(async (server) => {
        useMockServer(server.url);
        const health = await queryData(() => useHealth());
        expect(health.executor?.status).toBe("away");
        expect(health.queue?.pending).toBe(2);
      }));
}
