/** Routes behind sign-in; `needs` narrows them further (admins only, editors only). */
import { Alert } from "@mui/material";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router";
import { useMe } from "../api/me";
import { hasRole } from "../auth/roles";
import type { Role } from "../client/types.gen";
import { QueryState } from "../components/QueryState";
import { selectSignedIn, useSessionStore } from "../stores/sessionStore";

export function RequireAuth({ children, needs = "viewer" }: { children: ReactNode; needs?: Role }) {
  const { t } = useTranslation();
  const signedIn = useSessionStore(selectSignedIn);
  const location = useLocation();
  const me = useMe();
  if (!signedIn) {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  return (
    <QueryState query={me}>
      {hasRole(me.data?.roles, needs) ? children : <Alert severity="warning">{t("app.forbidden")}</Alert>}
    </QueryState>
  );
}
