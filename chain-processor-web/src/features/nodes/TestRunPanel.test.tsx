import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { configureClient } from "../../api/http";
import { client } from "../../client/client.gen";
import { useSessionStore } from "../../stores/sessionStore";
import { fakeFetch, renderApp } from "../../test/render";
import { TestRunPanel } from "./TestRunPanel";

const CODE = "def node(input_text: str) -> str:\n    return input_text.upper()\n";
const me = (roles: string[]) => ({
  id: "u1", email: "me@example.com", full_name: null, roles, is_active: true, is_superuser: false,
  preferences: {}, last_login: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
});
const ok = { ok: true, output: "HELLO", error: null, reason: null, time_ms: 1234.56 };
const failed = { ok: false, output: null, error: "ValueError: no vowels allowed", reason: "node_error", time_ms: 3.04 };

type Routes = Parameters<typeof fakeFetch>[0];
const requests: { url: string; body: unknown }[] = [];

function serve(routes: Routes, roles = ["editor"]) {
  const answer = fakeFetch({ "GET /api/v1/users/me": [200, me(roles)], ...routes });
  client.setConfig({
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(String(input), init);
      if (request.method === "POST") requests.push({ url: new URL(request.url).pathname, body: await request.clone().json() });
      return answer(request);
    },
  });
}

/** A saved node whose code the test can change, as the editor would. */
function EditedNode() {
  const [code, setCode] = useState(CODE);
  return (
    <>
      <button type="button" onClick={() => setCode(`${CODE}# changed\n`)}>edit the code</button>
      <TestRunPanel code={code} saved={{ id: "n1", code: CODE }} />
    </>
  );
}

async function run(input: string, config?: string) {
  await userEvent.type(await screen.findByLabelText("Sample input"), input);
  if (config !== undefined) {
    await userEvent.click(screen.getByLabelText(/Config/));
    await userEvent.paste(config);
  }
  await userEvent.click(screen.getByRole("button", { name: "Run test" }));
}

describe("TestRunPanel", () => {
  beforeEach(() => {
    requests.length = 0;
    configureClient("http://api.test");
    useSessionStore.getState().actions.signIn({ access_token: "a", refresh_token: "r", expires_in: 900 });
  });

  it("runs the unsaved code in the editor and shows the output and time", async () => {
    serve({ "POST /api/v1/nodes/test-run": [200, ok] });
    renderApp(<TestRunPanel code={CODE} />);
    await run("hello", '{"times": 2}');
    const status = screen.getByRole("status");
    expect(await within(status).findByTestId("test-run-output")).toHaveTextContent("HELLO");
    expect(within(status).getByText("The node ran in 1,234.6 ms.")).toBeInTheDocument();
    expect(requests).toEqual([{ url: "/api/v1/nodes/test-run", body: { code: CODE, input_text: "hello", config: { times: 2 } } }]);
  });

  it("runs a saved, unchanged node by its id, and changed code as code", async () => {
    serve({ "POST /api/v1/nodes/n1/test-run": [200, ok], "POST /api/v1/nodes/test-run": [200, ok] });
    renderApp(<EditedNode />);
    await run("hello");
    await screen.findByTestId("test-run-output");
    expect(requests).toEqual([{ url: "/api/v1/nodes/n1/test-run", body: { input_text: "hello", config: {} } }]);
    await userEvent.click(screen.getByRole("button", { name: "edit the code" }));
    await userEvent.click(screen.getByRole("button", { name: "Run test" }));
    await screen.findByTestId("test-run-output");
    expect(requests[1]?.url).toBe("/api/v1/nodes/test-run");
  });

  it("shows a failing node's error, its translated reason and time", async () => {
    serve({ "POST /api/v1/nodes/test-run": [200, failed] });
    renderApp(<TestRunPanel code={CODE} />);
    await run("aeiou");
    expect(await screen.findByTestId("test-run-error")).toHaveTextContent("ValueError: no vowels allowed");
    expect(screen.getByText("Reason: The node raised an error.")).toBeInTheDocument();
    expect(screen.getByText("The node failed after 3 ms.")).toBeInTheDocument();
    expect(screen.queryByTestId("test-run-output")).not.toBeInTheDocument();
  });

  it("names a reason code it does not know", async () => {
    serve({ "POST /api/v1/nodes/test-run": [200, { ...failed, reason: "cosmic_ray" }] });
    renderApp(<TestRunPanel code={CODE} />);
    await run("x");
    expect(await screen.findByText("Reason: Unknown reason (cosmic_ray).")).toBeInTheDocument();
  });

  it("checks the config JSON before running", async () => {
    serve({});
    renderApp(<TestRunPanel code={CODE} />);
    await userEvent.type(await screen.findByLabelText("Sample input"), "x");
    const config = screen.getByLabelText(/Config/);
    await userEvent.click(config);
    await userEvent.paste("{times: 2}");
    expect(screen.getByText("Not valid JSON.")).toBeInTheDocument();
    expect(config).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByRole("button", { name: "Run test" })).toBeDisabled();
    await userEvent.clear(config);
    await userEvent.paste("[1]");
    expect(screen.getByText("The config must be a JSON object.")).toBeInTheDocument();
    await userEvent.clear(config);
    expect(screen.getByRole("button", { name: "Run test" })).toBeEnabled();
    expect(requests).toEqual([]);
  });

  it("says when every sandbox is busy", async () => {
    serve({ "POST /api/v1/nodes/test-run": [503, { detail: "busy", code: "service_unavailable" }, { "Retry-After": "2" }] });
    renderApp(<TestRunPanel code={CODE} />);
    await run("x");
    expect(await screen.findByText("Every test sandbox is busy. Try again in 2 s.")).toBeInTheDocument();
  });

  it("shows other failures of the request", async () => {
    serve({ "POST /api/v1/nodes/test-run": [422, { detail: "Input is too long", code: "validation_error" }] });
    renderApp(<TestRunPanel code={CODE} />);
    await run("x");
    expect(await screen.findByText("Something went wrong: Input is too long")).toBeInTheDocument();
  });

  it("offers viewers no test-run", async () => {
    serve({}, ["viewer"]);
    renderApp(<><p>page</p><TestRunPanel code={CODE} /></>);
    await screen.findByText("page");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screen.queryByRole("button", { name: "Run test" })).not.toBeInTheDocument();
    expect(screen.queryByLabelText("Sample input")).not.toBeInTheDocument();
  });
});
