/** Roles rank admin ⊇ editor ⊇ viewer, as in chain_processor_core.models.common.has_role. */
import type { Role } from "../client/types.gen";

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

export function hasRole(roles: readonly string[] | undefined, needed: Role): boolean {
  const ranks = (roles ?? []).filter((role): role is Role => role in RANK).map((role) => RANK[role]);
  return ranks.length > 0 && Math.max(...ranks) >= RANK[needed];
}
