import { Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { useExecutions } from "../../api/executions";
import { variantStats } from "../../lib/abStats";
import { useFormat } from "../../i18n/format";

export function VariantStatsTable({ chainId, versionName }: { chainId: string; versionName: (id: string) => string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const runs = useExecutions({ strategy_id: chainId, limit: 500 });
  const stats = useMemo(() => variantStats(runs.data?.data ?? []), [runs.data]);
  return (
    <section aria-labelledby="ab-stats">
      <Typography id="ab-stats" variant="h6" component="h2">{t("ab.stats")}</Typography>
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>{t("common.version")}</TableCell>
            <TableCell>{t("ab.runs")}</TableCell>
            <TableCell>{t("ab.successRate")}</TableCell>
            <TableCell>{t("ab.meanTime")}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {stats.map((row) => (
            <TableRow key={row.versionId}>
              <TableCell>{versionName(row.versionId)}</TableCell>
              <TableCell>{format.number(row.runs)}</TableCell>
              <TableCell>{format.percent(row.successRate)}</TableCell>
              <TableCell>{format.duration(row.meanMs === null ? null : Math.round(row.meanMs))}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </section>
  );
}
