/** Users (admin only). */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createUser, readUsers, updateUser } from "../client/sdk.gen";
import type { UserCreate, UserUpdate } from "../client/types.gen";
import { call } from "./http";

export interface PageQuery {
  offset: number;
  limit: number;
}

export const userKeys = {
  all: ["users"] as const,
  lists: () => [...userKeys.all, "list"] as const,
  list: (page: PageQuery) => [...userKeys.lists(), page] as const,
};

export function useUsers(page: PageQuery) {
  return useQuery({
    queryKey: userKeys.list(page),
    queryFn: () => call(readUsers({ query: page })),
    placeholderData: keepPreviousData,
  });
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: UserCreate) => call(createUser({ body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UserUpdate }) => call(updateUser({ path: { user_id: id }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: userKeys.all }),
  });
}
