import { Link } from "@mui/material";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";
import { PageHeader } from "../components/PageHeader";

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t("app.notFound")} />
      <Link component={RouterLink} to="/chains">{t("nav.chains")}</Link>
    </>
  );
}
