/** Loading and error states of a query, announced to screen readers. */
import { Alert, Button, CircularProgress, Stack } from "@mui/material";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

interface Props {
  query: { isPending: boolean; isError: boolean; error: Error | null; refetch: () => unknown };
  children: ReactNode;
}

export function QueryState({ query, children }: Props) {
  const { t } = useTranslation();
  if (query.isError) {
    return (
      <Alert
        severity="error"
        action={
          <Button color="inherit" size="small" onClick={() => void query.refetch()}>
            {t("app.retry")}
          </Button>
        }
      >
        {t("app.loadFailed", { message: query.error?.message ?? "" })}
      </Alert>
    );
  }
  if (query.isPending) {
    return (
      <Stack sx={{ alignItems: "center" }} direction="row" spacing={1} role="status">
        <CircularProgress size={20} aria-hidden />
        <span>{t("app.loading")}</span>
      </Stack>
    );
  }
  return <>{children}</>;
}
