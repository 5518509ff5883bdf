/** The audit log (admins only), filtered by action and resource type. */
import { Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from "@mui/material";
import { useDeferredValue, useState } from "react";
import { useTranslation } from "react-i18next";
import { useAuditLog } from "../../api/audit";
import { PageHeader } from "../../components/PageHeader";
import { Pager } from "../../components/Pager";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";

const LIMIT = 50;

export function AuditPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const [action, setAction] = useState("");
  const [resource, setResource] = useState("");
  const [offset, setOffset] = useState(0);
  const filter = { action: useDeferredValue(action) || undefined, resource_type: useDeferredValue(resource) || undefined, offset, limit: LIMIT };
  const log = useAuditLog(filter);
  return (
    <>
      <PageHeader title={t("audit.title")} />
      <Stack direction="row" spacing={2} sx={{ mb: 2 }}>
        <TextField size="small" label={t("audit.filterAction")} value={action} onChange={(e) => { setAction(e.target.value); setOffset(0); }} />
        <TextField size="small" label={t("audit.filterResource")} value={resource} onChange={(e) => { setResource(e.target.value); setOffset(0); }} />
      </Stack>
      <QueryState query={log}>
        {log.data?.count === 0 ? <Typography>{t("audit.empty")}</Typography> : (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t("audit.when")}</TableCell>
                <TableCell>{t("audit.actor")}</TableCell>
                <TableCell>{t("audit.action")}</TableCell>
                <TableCell>{t("audit.resource")}</TableCell>
                <TableCell>{t("audit.details")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {log.data?.data.map((entry) => (
                <TableRow key={entry.id}>
                  <TableCell>{format.dateTime(entry.created_at)}</TableCell>
                  <TableCell>{entry.actor_email ?? "—"}</TableCell>
                  <TableCell>{entry.action}</TableCell>
                  <TableCell>{entry.resource_type} {entry.resource_id?.slice(0, 8)}</TableCell>
                  <TableCell>
                    {entry.before || entry.after ? (
                      <details>
                        <summary>{t("audit.details")}</summary>
                        <Typography component="pre" variant="caption" sx={{ whiteSpace: "pre-wrap" }}>
                          {JSON.stringify({ before: entry.before, after: entry.after }, null, 2)}
                        </Typography>
                      </details>
                    ) : "—"}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        <Pager offset={offset} limit={LIMIT} count={log.data?.count ?? 0} onChange={setOffset} />
      </QueryState>
    </>
  );
}
