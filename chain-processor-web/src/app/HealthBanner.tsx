/**
 * Says why things wait or fail when a part of the platform is away: the database (nothing can
 * be saved or run) or the executor (runs are accepted and wait as pending until it is back).
 */
import { Alert } from "@mui/material";
import { useTranslation } from "react-i18next";
import { useHealth } from "../api/health";

export function HealthBanner() {
  const { t } = useTranslation();
  const health = useHealth().data;
  if (health?.status === "unavailable") {
    return (
      <Alert severity="error" data-testid="health-banner" data-health="database-unavailable" sx={{ mb: 2 }}>
        {t("health.databaseUnavailable")}
      </Alert>
    );
  }
  if (health?.executor?.status === "away") {
    return (
      <Alert severity="warning" role="status" data-testid="health-banner" data-health="executor-away" sx={{ mb: 2 }}>
        {t("health.executorAway", { pending: health.queue?.pending ?? 0 })}
      </Alert>
    );
  }
  return null;
}
