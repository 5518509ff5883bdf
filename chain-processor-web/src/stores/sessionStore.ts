/**
 * The signed-in session: the access token, when it expires, and the refresh token, kept in
 * localStorage so a reload stays signed in. Actions only; the API layer refreshes it.
 */
import { create } from "zustand";
import { createJSONStorage, persist } from "zustand/middleware";

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface SessionState {
  accessToken: string | null;
  refreshToken: string | null;
  /** Epoch milliseconds when the access token stops working. */
  expiresAt: number;
  /** Why the last session ended, shown on the sign-in page. */
  endedBecause: "expired" | null;
  actions: {
    signIn: (tokens: Tokens, now?: number) => void;
    signOut: (reason?: "expired") => void;
  };
}

export const SESSION_STORAGE_KEY = "chain-processor.session";

export const useSessionStore = create<SessionState>()(
  persist(
    (set) => ({
      accessToken: null,
      refreshToken: null,
      expiresAt: 0,
      endedBecause: null,
      actions: {
        signIn: (tokens, now = Date.now()) =>
          set(() => ({
            accessToken: tokens.access_token,
            refreshToken: tokens.refresh_token,
            expiresAt: now + tokens.expires_in * 1000,
            endedBecause: null,
          })),
        signOut: (reason) =>
          set(() => ({ accessToken: null, refreshToken: null, expiresAt: 0, endedBecause: reason ?? null })),
      },
    }),
    {
      name: SESSION_STORAGE_KEY,
      storage: createJSONStorage(() => localStorage),
      partialize: ({ accessToken, refreshToken, expiresAt }) => ({ accessToken, refreshToken, expiresAt }),
    },
  ),
);

export const selectSignedIn = (state: SessionState) => state.accessToken !== null;
export const selectSessionActions = (state: SessionState) => state.actions;
export const selectEndedBecause = (state: SessionState) => state.endedBecause;

/** Whether the access token needs refreshing: expired or about to within `marginMs`. */
export function needsRefresh(state: Pick<SessionState, "expiresAt">, now = Date.now(), marginMs = 30_000): boolean {
  return state.expiresAt - marginMs <= now;
}
