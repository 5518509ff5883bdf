import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, MenuItem, Stack, TextField } from "@mui/material";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useCreateUser } from "../../api/users";
import type { Role } from "../../client/types.gen";

export const ROLES: Role[] = ["viewer", "editor", "admin"];

export function NewUserButton() {
  const { t } = useTranslation();
  const create = useCreateUser();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ email: "", full_name: "", password: "", role: "viewer" as Role });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { email: form.email, full_name: form.full_name || null, password: form.password, roles: [form.role] },
      { onSuccess: () => setOpen(false) },
    );
  };
  return (
    <>
      <Button variant="contained" onClick={() => setOpen(true)}>{t("users.new")}</Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="sm" aria-labelledby="new-user-title">
        <form onSubmit={submit}>
          <DialogTitle id="new-user-title">{t("users.new")}</DialogTitle>
          <DialogContent>
            <Stack spacing={2} sx={{ pt: 1 }}>
              {create.isError ? <Alert severity="error">{t("common.unknownError", { message: create.error.message })}</Alert> : null}
              <TextField label={t("users.email")} type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
              <TextField label={t("users.fullName")} value={form.full_name} onChange={(e) => setForm({ ...form, full_name: e.target.value })} />
              <TextField label={t("users.password")} type="password" required autoComplete="new-password" value={form.password}
                onChange={(e) => setForm({ ...form, password: e.target.value })} slotProps={{ htmlInput: { minLength: 8 } }} />
              <TextField select label={t("users.roles")} value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
                {ROLES.map((role) => <MenuItem key={role} value={role}>{t(`roles.${role}`)}</MenuItem>)}
              </TextField>
            </Stack>
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setOpen(false)}>{t("common.cancel")}</Button>
            <Button type="submit" variant="contained" disabled={create.isPending || !form.email || form.password.length < 8}>{t("common.create")}</Button>
          </DialogActions>
        </form>
      </Dialog>
    </>
  );
}
