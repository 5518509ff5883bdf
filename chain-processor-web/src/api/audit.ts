/** The audit log (admin only). */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { readAuditLog } from "../client/sdk.gen";
import type { ReadAuditLogData } from "../client/types.gen";
import { call } from "./http";

export type AuditFilter = NonNullable<ReadAuditLogData["query"]>;

export const auditKeys = {
  all: ["audit"] as const,
  list: (filter: AuditFilter) => [...auditKeys.all, "list", filter] as const,
};

export function useAuditLog(filter: AuditFilter) {
  return useQuery({
    queryKey: auditKeys.list(filter),
    queryFn: () => call(readAuditLog({ query: filter })),
    placeholderData: keepPreviousData,
  });
}
