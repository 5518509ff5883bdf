import { screen, within } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { configureClient } from "../../api/http";
import { client } from "../../client/client.gen";
import { useSessionStore } from "../../stores/sessionStore";
import { fakeFetch, renderApp } from "../../test/render";
import { ExecutionDetailPage } from "./ExecutionDetailPage";
import { ExecutionsPage } from "./ExecutionsPage";

const me = {
  id: "u1", email: "me@example.com", full_name: null, roles: ["viewer"], is_active: true, is_superuser: false,
  preferences: {}, last_login: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
};
const execution = (id: string, extra: Record<string, unknown> = {}) => ({
  id, strategy_id: "c1", strategy_version_id: "0123456789abcdef", strategy_version: "1.2.0", input_text: "ada", output_text: "ADA",
  error: null, error_code: null, status: "succeeded", priority: 0, attempts: 1, started_at: null, completed_at: null,
  execution_time_ms: 12, created_by_id: "u2", created_by_email: "someone@example.com", parent_execution_id: null, start_position: 0,
  metadata: {}, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z", ...extra,
});
const chains = { data: [{ id: "c1", name: "Shout" }], count: 1 };

function serve(routes: Parameters<typeof fakeFetch>[0]) {
  const answer = fakeFetch({ "GET /api/v1/users/me": [200, me], "GET /api/v1/chains": [200, chains], ...routes });
  client.setConfig({ fetch: answer });
}

describe("the executions monitor", () => {
  beforeEach(() => {
    vi.stubGlobal("WebSocket", undefined);
    configureClient("http://api.test");
    useSessionStore.getState().actions.signIn({ access_token: "a", refresh_token: "r", expires_in: 900 });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("lists each run with its semantic version and the email of whoever started it", async () => {
    serve({
      "GET /api/v1/executions": [200, {
        data: [execution("e1"), execution("e2", { strategy_version: "2.0.0", created_by_id: null, created_by_email: null })],
        count: 2,
      }],
    });
    renderApp(<ExecutionsPage />);
    const [first, second] = await screen.findAllByTestId("execution-row");
    if (!first || !second) throw new Error("two rows expected");
    expect(within(first).getByTestId("execution-version")).toHaveTextContent("1.2.0");
    expect(within(first).getByTestId("execution-user")).toHaveTextContent("someone@example.com");
    expect(within(second).getByTestId("execution-version")).toHaveTextContent("2.0.0");
    expect(within(second).getByTestId("execution-user")).toHaveTextContent("—");
    expect(screen.queryByText("01234567")).not.toBeInTheDocument();
  });

  it("shows a run's version and submitter on its page", async () => {
    serve({
      "GET /api/v1/executions/e1": [200, execution("e1")],
      "GET /api/v1/executions/e1/nodes": [200, { data: [], count: 0 }],
    });
    renderApp(
      <Routes><Route path="/executions/:executionId" element={<ExecutionDetailPage />} /></Routes>,
      { route: "/executions/e1" },
    );
    expect(await screen.findByTestId("execution-version")).toHaveTextContent("Version 1.2.0");
    expect(screen.getByTestId("execution-user")).toHaveTextContent("Started by someone@example.com");
  });
});
