import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { configureClient } from "../../api/http";
import { client } from "../../client/client.gen";
import { useSessionStore } from "../../stores/sessionStore";
import { fakeFetch, renderApp } from "../../test/render";
import { AbRunView } from "./AbRunView";
import { TrafficSplitSection } from "./TrafficSplitForm";
import { VariantStatsTable } from "./VariantStatsTable";

const me = (roles: string[]) => ({
  id: "u1", email: "me@example.com", full_name: null, roles, is_active: true, is_superuser: false,
  preferences: {}, last_login: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
});
const split = { strategy_id: "c1", variants: [{ version: "1.0.0", weight: 80 }, { version: "1.1.0", weight: 20 }], updated_by_id: "u1", updated_at: "2026-01-01T00:00:00Z" };
const execution = (output: string) => ({
  id: `e-${output}`, strategy_id: "c1", strategy_version_id: "v", input_text: "ada", output_text: output, error: null, error_code: null,
  status: "succeeded", priority: 0, attempts: 1, started_at: null, completed_at: null, execution_time_ms: 12, created_by_id: "u1",
  parent_execution_id: null, start_position: 0, metadata: {}, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
});
const arm = (version: string, output: string) => ({
  version, execution: execution(output),
  nodes: [{ position: 0, node_id: "up", node_version_id: "nv", status: "succeeded", execution_time_ms: 7 }],
});
const abRun = { id: "ab1", input_text: "ada", created_by_id: "u1", created_at: "2026-01-01T00:00:00Z", a: arm("1.0.0", "Hello, ADA!"), b: arm("1.1.0", "Hi ADA"), finished: true, output_diff: "-Hello, ADA!\n+Hi ADA" };

type Routes = Parameters<typeof fakeFetch>[0];
const puts: unknown[] = [];

function serve(routes: Routes, roles = ["editor"]) {
  const answer = fakeFetch({ "GET /api/v1/users/me": [200, me(roles)], ...routes });
  client.setConfig({
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(String(input), init);
      if (request.method === "PUT") puts.push(await request.clone().json());
      return answer(request);
    },
  });
}

describe("the A/B view", () => {
  beforeEach(() => {
    puts.length = 0;
    configureClient("http://api.test");
    useSessionStore.getState().actions.signIn({ access_token: "a", refresh_token: "r", expires_in: 900 });
  });

  it("shows both arms of an A/B run side by side with the diff", async () => {
    serve({ "GET /api/v1/ab-runs/ab1": [200, abRun] });
    renderApp(<AbRunView abRunId="ab1" titleOf={(id) => (id === "up" ? "Uppercase" : id)} />);
    const a = await screen.findByTestId("variant-A");
    expect(within(a).getByText("Hello, ADA!")).toBeInTheDocument();
    expect(within(a).getByRole("heading", { name: "Variant A: version 1.0.0" })).toBeInTheDocument();
    expect(within(a).getByText("Step 1: Uppercase")).toBeInTheDocument();
    expect(within(screen.getByTestId("variant-B")).getByText("Hi ADA")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Output differences" })).toBeInTheDocument();
  });

  it("reads per-variant stats from the API", async () => {
    serve({ "GET /api/v1/chains/c1/variants": [200, { data: [{ variant: "1.0.0", count: 4, finished: 3, succeeded: 2, success_rate: 2 / 3, p50_ms: 120.4, p95_ms: 1500 }, { variant: "1.1.0", count: 1, finished: 0, succeeded: 0, success_rate: null, p50_ms: null, p95_ms: null }], count: 2 }] });
    renderApp(<VariantStatsTable chainId="c1" />);
    const rows = await screen.findAllByTestId("variant-stats-row");
    expect(within(rows[0] as HTMLElement).getByText("66.7%")).toBeInTheDocument();
    expect(within(rows[0] as HTMLElement).getByText("1.5 sec")).toBeInTheDocument();
    expect(within(rows[1] as HTMLElement).getAllByText("—")).toHaveLength(3);
  });

  it("says when no run was routed yet", async () => {
    serve({ "GET /api/v1/chains/c1/variants": [200, { data: [], count: 0 }] });
    renderApp(<VariantStatsTable chainId="c1" />);
    expect(await screen.findByText("No runs have been routed by a traffic split yet.")).toBeInTheDocument();
  });

  it("lets an editor set a split whose weights sum to 100", async () => {
    serve({ "GET /api/v1/chains/c1/traffic-split": [200, split], "PUT /api/v1/chains/c1/traffic-split": [200, split] });
    renderApp(<TrafficSplitSection chainId="c1" versions={["1.0.0", "1.1.0", "2.0.0"]} />);
    const weight = await screen.findByLabelText("Weight of row 2 (%)");
    expect(weight).toHaveValue("20");
    await userEvent.clear(weight);
    await userEvent.type(weight, "30");
    expect(screen.getByText("Total: 110 %")).toBeInTheDocument();
    expect(screen.getByText("The weights must add up to 100.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Save split" })).toBeDisabled();
    await userEvent.clear(screen.getByLabelText("Weight of row 1 (%)"));
    await userEvent.type(screen.getByLabelText("Weight of row 1 (%)"), "70");
    await userEvent.click(screen.getByRole("button", { name: "Save split" }));
    expect(await screen.findByText("Traffic split saved.")).toBeInTheDocument();
    expect(puts).toEqual([{ variants: [{ version: "1.0.0", weight: 70 }, { version: "1.1.0", weight: 30 }] }]);
  });

  it("checks each row and shows the API's field errors on theirs", async () => {
    serve({
      "GET /api/v1/chains/c1/traffic-split": [404, { detail: "none", code: "not_found" }],
      "PUT /api/v1/chains/c1/traffic-split": [422, { detail: "bad", code: "chain_invalid", field: "variants.1.version", errors: [{ field: "variants.1.version", code: "version_not_found", detail: "Version 9.9.9 does not exist" }] }],
    });
    renderApp(<TrafficSplitSection chainId="c1" versions={["1.0.0", "1.1.0"]} />);
    expect(await screen.findByText("This chain has no traffic split: runs use its current version.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Add a version" }));
    await userEvent.click(screen.getByLabelText("Version of row 2"));
    await userEvent.click(screen.getByRole("option", { name: "1.0.0" }));
    expect(screen.getByText("This version is already in the split.")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Weight of row 2 (%)"), "x");
    expect(screen.getByText("A whole number from 0 to 100.")).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText("Version of row 2"));
    await userEvent.click(screen.getByRole("option", { name: "1.1.0" }));
    await userEvent.clear(screen.getByLabelText("Weight of row 2 (%)"));
    await userEvent.type(screen.getByLabelText("Weight of row 2 (%)"), "0");
    await userEvent.click(screen.getByRole("button", { name: "Save split" }));
    expect(await screen.findByText("Version 9.9.9 does not exist")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Remove row 2" }));
    expect(screen.queryByText("Version 9.9.9 does not exist")).not.toBeInTheDocument();
  });

  it("shows viewers the split without a form", async () => {
    serve({ "GET /api/v1/chains/c1/traffic-split": [200, split] }, ["viewer"]);
    renderApp(<TrafficSplitSection chainId="c1" versions={["1.0.0", "1.1.0"]} />);
    expect(await screen.findByText("1.0.0: 80 %")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Save split" })).not.toBeInTheDocument();
  });
});
