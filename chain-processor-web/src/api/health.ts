/** The platform's health as `/health/detailed` reports it, checked while someone is signed in. */
import { useQuery } from "@tanstack/react-query";
import { readHealthDetailed } from "../client/sdk.gen";
import type { DetailedHealth } from "../client/types.gen";
import { selectSignedIn, useSessionStore } from "../stores/sessionStore";
import { ApiError } from "./http";

/** How often the banner checks again; the server keeps no state per viewer for it. */
export const HEALTH_POLL_MS = 30_000;
/** How often it checks while something is wrong, so the banner goes soon after a recovery. */
export const HEALTH_RECHECK_MS = 5_000;

/** The delay before the next check, given the last answer (none yet: the usual delay). */
export function nextHealthCheck(health: DetailedHealth | undefined): number {
  return health && health.status !== "ok" ? HEALTH_RECHECK_MS : HEALTH_POLL_MS;
}

export const healthKeys = { all: ["health"] as const };

/** The detailed health. A 503 carries it too: the database is unavailable. */
export async function fetchHealth(): Promise<DetailedHealth> {
  const { data, error, response } = await readHealthDetailed();
  if (data) return data;
  const body = (typeof error === "object" && error !== null ? error : {}) as Partial<DetailedHealth>;
  if (response?.status === 503 && body.status === "unavailable") return body as DetailedHealth;
  throw new ApiError(response?.status ?? 0, error);
}

export function useHealth() {
  const signedIn = useSessionStore(selectSignedIn);
  return useQuery({
    queryKey: healthKeys.all,
    queryFn: fetchHealth,
    enabled: signedIn,
    refetchInterval: (query) => nextHealthCheck(query.state.data),
  });
}
