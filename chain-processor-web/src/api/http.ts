/**
 * The generated client, configured once: same-origin base URL, the bearer token (refreshed
 * shortly before it expires), and API errors turned into `ApiError` so TanStack Query sees
 * them as failures.
 */
import { client } from "../client/client.gen";
import { loginRefresh } from "../client/sdk.gen";
import { needsRefresh, useSessionStore } from "../stores/sessionStore";

/** One field at fault in a refused request: a dotted path without the `body.` prefix. */
export interface FieldProblem {
  field: string;
  detail: string;
}

function fieldProblems(value: unknown): FieldProblem[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown) => {
    const problem = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof problem.field !== "string" || typeof problem.detail !== "string") return [];
    return [{ field: problem.field.replace(/^body\./, ""), detail: problem.detail }];
  });
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;
  readonly field: string | null;
  /** Seconds to wait before trying again (a 503's or 429's `Retry-After`), when given. */
  readonly retryAfter: number | null;
  /** Every field at fault (422 validation errors), when the body lists them. */
  readonly errors: FieldProblem[];

  constructor(status: number, body: unknown, retryAfter: string | null = null) {
    const fields = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    super(typeof fields.detail === "string" ? fields.detail : `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = typeof fields.code === "string" ? fields.code : null;
    this.field = typeof fields.field === "string" ? fields.field : null;
    this.errors = fieldProblems(fields.errors);
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    this.retryAfter = Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
  }
}

type Result<T> = { data?: T; error?: unknown; response?: Response };

/** The data of a generated call, or an `ApiError`. */
export async function call<T>(request: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await request;
  const status = response?.status ?? 0;
  if (error !== undefined || !response?.ok) {
    if (status === 401) useSessionStore.getState().actions.signOut("expired");
    throw new ApiError(status, error, response?.headers.get("Retry-After") ?? null);
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
