import { Stack, Typography } from "@mui/material";
import { useEffect, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

/** The page's one h1, which also becomes the document title. */
export function PageHeader({ title, actions }: { title: string; actions?: ReactNode }) {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${title} · ${t("app.name")}`;
  }, [title, t]);
  return (
    <Stack sx={{ alignItems: "center", justifyContent: "space-between", flexWrap: "wrap", gap: 1, mb: 2 }} direction="row">
      <Typography variant="h5" component="h1">
        {title}
      </Typography>
      {actions ? (
        <Stack sx={{ gap: 1, flexWrap: "wrap" }} direction="row">
          {actions}
        </Stack>
      ) : null}
    </Stack>
  );
}
