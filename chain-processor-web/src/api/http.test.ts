import { client } from "../client/client.gen";
import { readUserMe } from "../client/sdk.gen";
import { useSessionStore } from "../stores/sessionStore";
import { fakeFetch } from "../test/render";
import { accessToken, ApiError, call, configureClient } from "./http";

const session = () => useSessionStore.getState();

describe("http", () => {
  beforeEach(() => {
    configureClient("http://api.test");
    session().actions.signOut();
  });

  it("turns an error body into an ApiError", async () => {
    client.setConfig({ fetch: fakeFetch({ "GET /api/v1/users/me": [409, { detail: "Stale", code: "stale_version", field: "expected_version" }] }) });
    const error = await call(readUserMe()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: "stale_version", field: "expected_version", message: "Stale" });
    expect(new ApiError(500, "oops")).toMatchObject({ message: "HTTP 500", code: null, field: null, retryAfter: null });
  });

  it("keeps a 503's Retry-After in seconds", async () => {
    client.setConfig({ fetch: fakeFetch({ "GET /api/v1/users/me": [503, { detail: "Busy", code: "service_unavailable" }, { "Retry-After": "2" }] }) });
    await expect(call(readUserMe())).rejects.toMatchObject({ status: 503, retryAfter: 2 });
    expect(new ApiError(503, {}, "soon")).toMatchObject({ retryAfter: null, errors: [] });
  });

  it("lists the fields at fault without the body prefix", () => {
    const body = { detail: "x", code: "invalid", errors: [{ field: "body.variants.0.weight", detail: "too big" }, { field: "variants.1.version", detail: "no such version" }, "junk"] };
    expect(new ApiError(422, body).errors).toEqual([
      { field: "variants.0.weight", detail: "too big" },
      { field: "variants.1.version", detail: "no such version" },
    ]);
  });

  it("signs out on 401", async () => {
    session().actions.signIn({ access_token: "a", refresh_token: "r", expires_in: 900 });
    client.setConfig({ fetch: fakeFetch({ "GET /api/v1/users/me": [401, { detail: "No", code: "not_authenticated" }] }) });
    await expect(call(readUserMe())).rejects.toThrow("No");
    expect(session().accessToken).toBeNull();
    expect(session().endedBecause).toBe("expired");
  });

  it("sends no token when signed out and the current one while fresh", async () => {
    expect(await accessToken()).toBeUndefined();
    session().actions.signIn({ access_token: "a", refresh_token: "r", expires_in: 900 });
    expect(await accessToken()).toBe("a");
  });

  it("refreshes an access token about to expire, once for concurrent callers", async () => {
    const fetch = vi.fn(fakeFetch({ "POST /api/v1/login/refresh": [200, { access_token: "b", refresh_token: "r2", expires_in: 900 }] }));
    client.setConfig({ fetch });
    session().actions.signIn({ access_token: "a", refresh_token: "r", expires_in: 10 });
    expect(await Promise.all([accessToken(), accessToken()])).toEqual(["b", "b"]);
    expect(fetch).toHaveBeenCalledOnce();
    expect(session().refreshToken).toBe("r2");
  });

  it("signs out when the refresh is refused", async () => {
    client.setConfig({ fetch: fakeFetch({ "POST /api/v1/login/refresh": [401, { detail: "No" }] }) });
    session().actions.signIn({ access_token: "a", refresh_token: "r", expires_in: 10 });
    expect(await accessToken()).toBeUndefined();
    expect(session().endedBecause).toBe("expired");
  });
});
