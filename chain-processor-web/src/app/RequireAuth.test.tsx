import { screen } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { configureClient } from "../api/http";
import { client } from "../client/client.gen";
import { useSessionStore } from "../stores/sessionStore";
import { fakeFetch, renderApp } from "../test/render";
import { NavLinks } from "./NavLinks";
import { RequireAuth } from "./RequireAuth";

const me = (roles: string[]) => ({
  id: "u1", email: "me@example.com", full_name: null, roles, is_active: true, is_superuser: false,
  preferences: {}, last_login: null, created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
});

function renderAs(roles: string[] | null, needs: "viewer" | "admin" = "viewer") {
  configureClient("http://api.test");
  client.setConfig({ fetch: fakeFetch({ "GET /api/v1/users/me": [200, me(roles ?? [])] }) });
  if (roles) useSessionStore.getState().actions.signIn({ access_token: "a", refresh_token: "r", expires_in: 900 });
  else useSessionStore.getState().actions.signOut();
  return renderApp(
    <Routes>
      <Route path="/login" element={<p>sign-in page</p>} />
      <Route path="/x" element={<RequireAuth needs={needs}><NavLinks /><p>secret</p></RequireAuth>} />
    </Routes>,
    { route: "/x" },
  );
}

describe("RequireAuth and the role-aware navigation", () => {
  it("sends a signed-out visitor to sign in", () => {
    renderAs(null);
    expect(screen.getByText("sign-in page")).toBeInTheDocument();
  });

  it("shows admins the users and audit pages", async () => {
    renderAs(["admin"], "admin");
    expect(await screen.findByText("secret")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Users" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Audit log" })).toBeInTheDocument();
  });

  it("hides admin pages from viewers and refuses them", async () => {
    renderAs(["viewer"], "admin");
    expect(await screen.findByText("Your role does not give access to this page.")).toBeInTheDocument();
    expect(screen.queryByText("secret")).not.toBeInTheDocument();
  });

  it("gives viewers the main navigation without admin links", async () => {
    renderAs(["viewer"]);
    expect(await screen.findByText("secret")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Chains" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Users" })).not.toBeInTheDocument();
  });
});
