/** The node library: searchable list; editors can create nodes. */
import { Button, Chip, Table, TableBody, TableCell, TableHead, TableRow, TextField, Link } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";
import { usePermissions } from "../../api/me";
import { toPaletteItem, useNodes } from "../../api/nodes";
import { PageHeader } from "../../components/PageHeader";
import { Pager } from "../../components/Pager";
import { QueryState } from "../../components/QueryState";
import { useFormat } from "../../i18n/format";

const LIMIT = 50;

export function NodesPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { canEdit } = usePermissions();
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const nodes = useNodes({ search, offset, limit: LIMIT });
  const actions = canEdit ? (
    <Button variant="contained" component={RouterLink} to="/nodes/new">{t("nodes.new")}</Button>
  ) : null;
  return (
    <>
      <PageHeader title={t("nodes.title")} actions={actions} />
      <TextField size="small" type="search" label={t("common.search")} value={search}
        onChange={(event) => { setSearch(event.target.value); setOffset(0); }} sx={{ mb: 2 }} />
      <QueryState query={nodes}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t("common.name")}</TableCell>
              <TableCell>{t("common.description")}</TableCell>
              <TableCell>{t("common.version")}</TableCell>
              <TableCell>{t("common.status")}</TableCell>
              <TableCell>{t("common.updated")}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {nodes.data?.data.map((node) => {
              const item = toPaletteItem(node);
              return (
                <TableRow key={node.id}>
                  <TableCell>
                    <Link component={RouterLink} to={`/nodes/${node.id}`}>{item.title}</Link>
                    {item.builtin ? <Chip size="small" label={t("nodes.builtin")} sx={{ ml: 1 }} /> : null}
                  </TableCell>
                  <TableCell>{item.description}</TableCell>
                  <TableCell>{node.current_version}</TableCell>
                  <TableCell>{node.is_active ? t("nodes.active") : t("nodes.inactive")}</TableCell>
                  <TableCell>{format.dateTime(node.updated_at)}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
        <Pager offset={offset} limit={LIMIT} count={nodes.data?.count ?? 0} onChange={setOffset} />
      </QueryState>
    </>
  );
}
