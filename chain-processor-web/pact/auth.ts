/** Signing in: the password form in, an access and a refresh token out. */
import { MatchersV3 } from "@pact-foundation/pact";
import { useSignIn } from "../src/api/me";
import { useSessionStore } from "../src/stores/sessionStore";
import { mutationOf, pact, useMockServer } from "./support";

const { integer, regex, string } = MatchersV3;

const FORM = "application/x-www-form-urlencoded";

/** Example credentials of a user the provider state creates; not a real account. */
const CREDENTIALS = { username: "pact-editor@example.com", password: "pact-example-password" };

export function signingIn(): void {
  it("signs in with email and password", () =>
    pact
      .addInteraction()
      .given("a user can sign in", { email: CREDENTIALS.username, password: CREDENTIALS.password, role: "editor" })
      .uponReceiving("a sign-in with email and password")
      .withRequest("POST", "/api/v1/login/access-token", (request) =>
        request
          .headers({ "Content-Type": regex("^application/x-www-form-urlencoded", FORM) })
          .body(FORM, Buffer.from(new URLSearchParams(CREDENTIALS).toString()))
          // A form is matched field by field (Pact would otherwise sniff the bytes' type).
          .matchingRules({
            body: Object.keys(CREDENTIALS).map((field) => ({ path: `$.${field}`, rules: [MatchersV3.equal("")] })),
          }),
      )
      .willRespondWith(200, (response) =>
        response.jsonBody({
          access_token: string("an-access-token"),
          token_type: regex("^bearer$", "bearer"),
          expires_in: integer(900),
          refresh_token: string("a-refresh-token"),
        }),
      )
      .executeTest(async (server) => {
        useMockServer(server.url, false);
        const signIn = mutationOf(() => useSignIn());
        await signIn.current.mutateAsync(CREDENTIALS);
        signIn.unmount();
        expect(useSessionStore.getState().accessToken).toBe("an-access-token");
        expect(useSessionStore.getState().refreshToken).toBe("a-refresh-token");
      }));
}
