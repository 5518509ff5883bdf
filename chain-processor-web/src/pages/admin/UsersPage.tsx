/** Users and their roles (admins only): create, change role, activate or deactivate. */
import { Alert, MenuItem, Switch, Table, TableBody, TableCell, TableHead, TableRow, TextField } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useUpdateUser, useUsers } from "../../api/users";
import type { Role } from "../../client/types.gen";
import { PageHeader } from "../../components/PageHeader";
import { Pager } from "../../components/Pager";
import { QueryState } from "../../components/QueryState";
import { NewUserButton, ROLES } from "../../features/admin/NewUserButton";
import { useFormat } from "../../i18n/format";

const LIMIT = 50;

export function UsersPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const [offset, setOffset] = useState(0);
  const users = useUsers({ offset, limit: LIMIT });
  const update = useUpdateUser();
  return (
    <>
      <PageHeader title={t("users.title")} actions={<NewUserButton />} />
      {update.isError ? <Alert severity="error">{t("common.unknownError", { message: update.error.message })}</Alert> : null}
      <QueryState query={users}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t("users.email")}</TableCell>
              <TableCell>{t("users.fullName")}</TableCell>
              <TableCell>{t("users.roles")}</TableCell>
              <TableCell>{t("users.active")}</TableCell>
              <TableCell>{t("users.lastLogin")}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {users.data?.data.map((user) => (
              <TableRow key={user.id}>
                <TableCell>{user.email}</TableCell>
                <TableCell>{user.full_name}</TableCell>
                <TableCell>
                  <TextField select size="small" value={user.roles[0] ?? "viewer"}
                    slotProps={{ htmlInput: { "aria-label": `${t("users.roles")}: ${user.email}` } }}
                    onChange={(event) => update.mutate({ id: user.id, body: { roles: [event.target.value as Role] } })}>
                    {ROLES.map((role) => <MenuItem key={role} value={role}>{t(`roles.${role}`)}</MenuItem>)}
                  </TextField>
                </TableCell>
                <TableCell>
                  <Switch checked={user.is_active} slotProps={{ input: { "aria-label": `${t("users.active")}: ${user.email}` } }}
                    onChange={(event) => update.mutate({ id: user.id, body: { is_active: event.target.checked } })} />
                </TableCell>
                <TableCell>{format.dateTime(user.last_login)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Pager offset={offset} limit={LIMIT} count={users.data?.count ?? 0} onChange={setOffset} />
      </QueryState>
    </>
  );
}
