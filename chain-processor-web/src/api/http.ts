/**
 * The generated client, configured once: same-origin base URL, the bearer token (refreshed
 * shortly before it expires), and API errors turned into `ApiError` so TanStack Query sees
 * them as failures.
 */
import { client } from "../client/client.gen";
import { loginRefresh } from "../client/sdk.gen";
import { needsRefresh, useSessionStore } from "../stores/sessionStore";

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly field: string | null;

  constructor(status: number, body: unknown) {
    const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    super(typeof fields.detail === "string" ? fields.detail : `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = typeof fields.code === "string" ? fields.code : null;
    this.field = typeof fields.field === "string" ? fields.field : null;
  }
}

type Result<T> = { data?: T; error?: unknown; response?: Response };

/** The data of a generated call, or an `ApiError`. */
export async function call<T>(request: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await request;
  const status = response?.status ?? 0;
  if (error !== undefined || !response?.ok) {
    if (status === 401) useSessionStore.getState().actions.signOut("expired");
    throw new ApiError(status, error);
  }
  return data as T;
}

let refreshing: Promise<string | null> | null = null;

async function refresh(refreshToken: string): Promise<string | null> {
  const { data } = await loginRefresh({ body: { refresh_token: refreshToken } });
  if (!data) {
    useSessionStore.getState().actions.signOut("expired");
    return null;
  }
  useSessionStore.getState().actions.signIn(data);
  return data.access_token;
}

/** The access token to send, refreshing it first when it is about to expire. */
export async function accessToken(): Promise<string | undefined> {
  const state = useSessionStore.getState();
  if (!state.accessToken) return undefined;
  if (state.refreshToken && needsRefresh(state)) {
    refreshing ??= refresh(state.refreshToken).finally(() => {
      refreshing = null;
    });
    return (await refreshing) ?? undefined;
  }
  return state.accessToken;
}

export function configureClient(baseUrl = ""): void {
  client.setConfig({ baseUrl, auth: () => accessToken() });
}
