import { needsRefresh, SESSION_STORAGE_KEY, selectSignedIn, useSessionStore } from "./sessionStore";

const actions = () => useSessionStore.getState().actions;
const tokens = { access_token: "a", refresh_token: "r", expires_in: 900 };

describe("sessionStore", () => {
  beforeEach(() => actions().signOut());

  it("signs in with an expiry and persists the tokens", () => {
    actions().signIn(tokens, 1_000);
    const state = useSessionStore.getState();
    expect(selectSignedIn(state)).toBe(true);
    expect(state.expiresAt).toBe(901_000);
    expect(JSON.parse(localStorage.getItem(SESSION_STORAGE_KEY) ?? "{}").state).toEqual({
      accessToken: "a",
      refreshToken: "r",
      expiresAt: 901_000,
    });
  });

  it("signs out, remembering why", () => {
    actions().signIn(tokens);
    actions().signOut("expired");
    expect(selectSignedIn(useSessionStore.getState())).toBe(false);
    expect(useSessionStore.getState().endedBecause).toBe("expired");
  });

  it("needs a refresh shortly before expiry", () => {
    expect(needsRefresh({ expiresAt: 100_000 }, 50_000)).toBe(false);
    expect(needsRefresh({ expiresAt: 100_000 }, 80_000)).toBe(true);
  });
});
