import { screen, waitFor } from "@testing-library/react";
import { HEALTH_POLL_MS, HEALTH_RECHECK_MS, nextHealthCheck } from "../api/health";
import { configureClient } from "../api/http";
import { client } from "../client/client.gen";
import type { DetailedHealth } from "../client/types.gen";
import { useSessionStore } from "../stores/sessionStore";
import { fakeFetch, renderApp } from "../test/render";
import { HealthBanner } from "./HealthBanner";

function health(changes: Partial<DetailedHealth>): DetailedHealth {
  return {
    status: "ok",
    version: "1.0.0",
    database: { status: "ok", latency_ms: 1, detail: null },
    pgbouncer: null,
    executor: { status: "active", live_workers: 1, detail: "Workers hold live leases" },
    queue: { pending: 0, running: 1, oldest_pending_seconds: null },
    ...changes,
  };
}

function renderWith(status: number, body: unknown, signedIn = true) {
  configureClient("http://api.test");
  client.setConfig({ fetch: fakeFetch({ "GET /health/detailed": [status, body] }) });
  if (signedIn) useSessionStore.getState().actions.signIn({ access_token: "a", refresh_token: "r", expires_in: 900 });
  else useSessionStore.getState().actions.signOut();
  return renderApp(
    <>
      <HealthBanner />
      <p>page</p>
    </>,
  );
}

describe("HealthBanner", () => {
  it("says runs wait while the executor is away, with how many", async () => {
    const away = { status: "away" as const, detail: "Executions have waited" };
    renderWith(200, health({ status: "degraded", executor: away, queue: { pending: 3, running: 0, oldest_pending_seconds: 90 } }));
    const banner = await screen.findByRole("status");
    expect(banner).toHaveTextContent("No executor is running");
    expect(banner).toHaveTextContent("3 waiting now");
    expect(banner).toHaveAttribute("data-health", "executor-away");
  });

  it("says nothing can be saved while the database is unavailable (a 503 with the report)", async () => {
    const down = { status: "unavailable" as const, latency_ms: null, detail: "The database is not reachable" };
    renderWith(503, health({ status: "unavailable", database: down, executor: null, queue: null }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The database is not available");
  });

  it("stays out of the way when all is well, or when the check itself fails", async () => {
    const { queryClient } = renderWith(200, health({}));
    await waitFor(() => expect(queryClient.getQueryState(["health"])?.status).toBe("success"));
    expect(screen.queryByTestId("health-banner")).toBeNull();

    const broken = renderWith(500, { detail: "Internal error", code: "internal" });
    await waitFor(() => expect(broken.queryClient.getQueryState(["health"])?.status).toBe("error"));
    expect(screen.queryByTestId("health-banner")).toBeNull();
  });

  it("does not ask before anyone is signed in", async () => {
    const { queryClient } = renderWith(200, health({ status: "degraded" }), false);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(queryClient.getQueryState(["health"])?.fetchStatus ?? "idle").toBe("idle");
    expect(screen.getByText("page")).toBeInTheDocument();
  });

  it("checks again sooner while something is wrong, so the banner goes soon after a recovery", () => {
    expect(nextHealthCheck(undefined)).toBe(HEALTH_POLL_MS);
    expect(nextHealthCheck(health({}))).toBe(HEALTH_POLL_MS);
    expect(nextHealthCheck(health({ status: "degraded" }))).toBe(HEALTH_RECHECK_MS);
    expect(nextHealthCheck(health({ status: "unavailable" }))).toBe(HEALTH_RECHECK_MS);
    expect(HEALTH_RECHECK_MS).toBeLessThan(HEALTH_POLL_MS);
  });
});
