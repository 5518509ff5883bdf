/** Every chain; editors create a chain or import one from a JSON file. */
import { Alert, Button, Link, Table, TableBody, TableCell, TableHead, TableRow, TextField } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";
import { useChains } from "../../api/chains";
import { usePermissions } from "../../api/me";
import { PageHeader } from "../../components/PageHeader";
import { Pager } from "../../components/Pager";
import { QueryState } from "../../components/QueryState";
import { ImportChainButton } from "../../features/chains/ImportChainButton";
import { useFormat } from "../../i18n/format";

const LIMIT = 50;

export function ChainsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { canEdit } = usePermissions();
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const chains = useChains({ search, offset, limit: LIMIT });
  return (
    <>
      <PageHeader title={t("chains.title")} actions={canEdit ? <><ImportChainButton /><Button variant="contained" component={RouterLink} to="/chains/new">{t("chains.new")}</Button></> : null} />
      <TextField size="small" type="search" label={t("common.search")} value={search}
        onChange={(event) => { setSearch(event.target.value); setOffset(0); }} sx={{ mb: 2 }} />
      <QueryState query={chains}>
        {chains.data?.count === 0 ? <Alert severity="info">{t("chains.empty")}</Alert> : (
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t("common.name")}</TableCell>
                <TableCell>{t("common.description")}</TableCell>
                <TableCell>{t("common.version")}</TableCell>
                <TableCell>{t("chains.steps")}</TableCell>
                <TableCell>{t("common.updated")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {chains.data?.data.map((chain) => (
                <TableRow key={chain.id}>
                  <TableCell><Link component={RouterLink} to={`/chains/${chain.id}`}>{chain.name}</Link></TableCell>
                  <TableCell>{chain.description}</TableCell>
                  <TableCell>{chain.current_version}</TableCell>
                  <TableCell>{format.number(chain.nodes.length)}</TableCell>
                  <TableCell>{format.dateTime(chain.updated_at)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        <Pager offset={offset} limit={LIMIT} count={chains.data?.count ?? 0} onChange={setOffset} />
      </QueryState>
    </>
  );
}
