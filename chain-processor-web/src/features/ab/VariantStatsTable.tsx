/** Per-variant statistics of a chain's traffic split, as the API computes them. */
import { Alert, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";
import { useVariants } from "../../api/ab";
import { useFormat } from "../../i18n/format";

export function VariantStatsTable({ chainId }: { chainId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const query = useVariants(chainId);
  const rows = query.data?.data ?? [];
  const ms = (value: number | null) => format.duration(value === null ? null : Math.round(value));
  return (
    <section aria-labelledby="ab-stats">
      <Typography id="ab-stats" variant="h6" component="h2">{t("ab.stats")}</Typography>
      <Typography variant="caption" component="p">{t("ab.statsHelp")}</Typography>
      {query.isError ? <Alert severity="error">{t("app.loadFailed", { message: query.error.message })}</Alert> : null}
      {query.isSuccess && rows.length === 0 ? <Typography>{t("ab.noStats")}</Typography> : null}
      {rows.length ? (
        <Table size="small" aria-labelledby="ab-stats">
          <TableHead>
            <TableRow>
              <TableCell>{t("common.version")}</TableCell>
              <TableCell>{t("ab.runs")}</TableCell>
              <TableCell>{t("ab.finished")}</TableCell>
              <TableCell>{t("ab.successRate")}</TableCell>
              <TableCell>{t("ab.p50")}</TableCell>
              <TableCell>{t("ab.p95")}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((row) => (
              <TableRow key={row.variant} data-testid="variant-stats-row">
                <TableCell>{row.variant}</TableCell>
                <TableCell>{format.number(row.count)}</TableCell>
                <TableCell>{format.number(row.finished)}</TableCell>
                <TableCell>{row.success_rate === null ? "—" : format.percent(row.success_rate)}</TableCell>
                <TableCell>{ms(row.p50_ms)}</TableCell>
                <TableCell>{ms(row.p95_ms)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
    </section>
  );
}
