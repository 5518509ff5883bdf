/** The signed-in user, signing in and out. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { hasRole } from "../auth/roles";
import { loginAccessToken, logout, readUserMe } from "../client/sdk.gen";
import { selectSignedIn, useSessionStore } from "../stores/sessionStore";
import { call } from "./http";

export const meKeys = { all: ["me"] as const };

export function useMe() {
  const signedIn = useSessionStore(selectSignedIn);
  return useQuery({
    queryKey: meKeys.all,
    queryFn: () => call(readUserMe()),
    enabled: signedIn,
    staleTime: 60_000,
  });
}

/** What the signed-in user may do. */
export function usePermissions(): { canEdit: boolean; isAdmin: boolean } {
  const roles = useMe().data?.roles;
  return { canEdit: hasRole(roles, "editor"), isAdmin: hasRole(roles, "admin") };
}

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (credentials: { username: string; password: string }) =>
      call(loginAccessToken({ body: credentials })),
    onSuccess: (tokens) => {
      queryClient.clear();
      useSessionStore.getState().actions.signIn(tokens);
    },
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => logout().catch(() => undefined),
    onSettled: () => {
      useSessionStore.getState().actions.signOut();
      queryClient.clear();
    },
  });
}
