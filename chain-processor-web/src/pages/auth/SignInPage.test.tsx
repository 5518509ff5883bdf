import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { configureClient } from "../../api/http";
import { client } from "../../client/client.gen";
import { useSessionStore } from "../../stores/sessionStore";
import { fakeFetch, renderApp } from "../../test/render";
import { SignInPage } from "./SignInPage";

function renderSignIn() {
  return renderApp(
    <Routes>
      <Route path="/login" element={<SignInPage />} />
      <Route path="/chains" element={<p>chains page</p>} />
    </Routes>,
    { route: "/login" },
  );
}

async function submit(email: string, password: string) {
  await userEvent.type(screen.getByLabelText(/Email/), email);
  await userEvent.type(screen.getByLabelText(/Password/), password);
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("SignInPage", () => {
  beforeEach(() => {
    configureClient("http://api.test");
    useSessionStore.getState().actions.signOut();
  });

  it("signs in and goes on to the chains", async () => {
    client.setConfig({
      fetch: fakeFetch({ "POST /api/v1/login/access-token": [200, { access_token: "a", refresh_token: "r", expires_in: 900, token_type: "bearer" }] }),
    });
    renderSignIn();
    await submit("admin@example.com", "secret-password");
    expect(await screen.findByText("chains page")).toBeInTheDocument();
    expect(useSessionStore.getState().accessToken).toBe("a");
  });

  it("says when the credentials are wrong or throttled", async () => {
    client.setConfig({ fetch: fakeFetch({ "POST /api/v1/login/access-token": [401, { detail: "Incorrect", code: "not_authenticated" }] }) });
    renderSignIn();
    await submit("admin@example.com", "nope-nope");
    expect(await screen.findByText("Wrong email or password.")).toBeInTheDocument();
    client.setConfig({ fetch: fakeFetch({ "POST /api/v1/login/access-token": [429, { detail: "Slow down", code: "too_many_requests" }] }) });
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(screen.getByText(/Too many attempts/)).toBeInTheDocument());
  });

  it("explains an ended session", () => {
    useSessionStore.getState().actions.signOut("expired");
    renderSignIn();
    expect(screen.getByText("Your session has ended. Sign in again.")).toBeInTheDocument();
  });
});
