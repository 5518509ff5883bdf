/**
 * The contract between this UI (consumer) and the API (provider), recorded by driving the
 * app's own hooks over the generated client against Pact's mock server.
 *
 * Values the API makes up (ids, the access token) are never hard-coded into the contract:
 * they come from the provider state (`fromProviderState("${nodeId}", example)`), which the
 * API's verification fills with the ids and token of the data it seeded. The example values
 * here are only what the mock server answers during these tests.
 */
import { MatchersV3, PactV4 } from "@pact-foundation/pact";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { renderHook, waitFor } from "@testing-library/react";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createElement, type ReactNode } from "react";
import { configureClient } from "../src/api/http";
import { useSessionStore } from "../src/stores/sessionStore";

const { fromProviderState } = MatchersV3;

export const CONSUMER = "chain-processor-web";
export const PROVIDER = "chain-processor-api";
export const PACT_FILE = `${CONSUMER}-${PROVIDER}.json`;
/** Where the committed contract lives (the API verifies this one). */
export const COMMITTED_PACT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "contracts", "pacts", PACT_FILE);
/** This run's contract, written afresh (Pact merges into an existing file). */
export const GENERATED_DIR = mkdtempSync(join(tmpdir(), "cp-web-pact-"));

export const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir: GENERATED_DIR, logLevel: "warn" });

export const EXAMPLE = {
  accessToken: "example-access-token",
  nodeId: "3f6b2a0e-8c1d-4e5f-9a7b-1c2d3e4f5a6b",
  otherNodeId: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
  chainId: "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
  executionId: "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
} as const;

/** The state every authenticated interaction starts from; it yields `accessToken`. */
export const SIGNED_IN = "an editor is signed in";

/** The bearer header the app sends, with the token the provider state issues. */
export function bearer() {
  return { Authorization: fromProviderState("Bearer ${accessToken}", `Bearer ${EXAMPLE.accessToken}`) };
}

/** A path whose ids come from the provider state: `path("/api/v1/nodes/${nodeId}", id)`. */
export function path(expression: string, example: string) {
  return fromProviderState(expression, example);
}

export const JSON_HEADERS = { "Content-Type": MatchersV3.regex("^application/json", "application/json") };

/** Point the app's client at the mock server and sign in with the example token. */
export function useMockServer(url: string, signedIn = true): void {
  configureClient(url);
  useSessionStore.getState().actions.signOut();
  if (signedIn) {
    useSessionStore.getState().actions.signIn({ access_token: EXAMPLE.accessToken, refresh_token: "example-refresh-token", expires_in: 900 });
  }
}

function wrapper({ children }: { children: ReactNode }) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return createElement(QueryClientProvider, { client: queryClient }, children);
}

/** Run a query hook until it settles; its data (fails with the query's error). */
export async function queryData<T>(hook: () => { data?: T; error: unknown; isSuccess: boolean; isError: boolean }): Promise<T> {
  const { result, unmount } = renderHook(hook, { wrapper });
  await waitFor(() => expect(result.current.isSuccess || result.current.isError).toBe(true));
  unmount();
  if (result.current.isError) throw result.current.error;
  return result.current.data as T;
}

/** A mutation hook, ready to call. */
export function mutationOf<T>(hook: () => T): { current: T; unmount: () => void } {
  const { result, unmount } = renderHook(hook, { wrapper });
  return {
    get current() {
      return result.current;
    },
    unmount,
  };
}
