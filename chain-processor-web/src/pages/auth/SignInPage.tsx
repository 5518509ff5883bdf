import { Alert, Box, Button, Paper, Stack, TextField } from "@mui/material";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation } from "react-router";
import { ApiError } from "../../api/http";
import { useSignIn } from "../../api/me";
import { LanguageSelect } from "../../app/LanguageSelect";
import { PageHeader } from "../../components/PageHeader";
import { selectEndedBecause, selectSignedIn, useSessionStore } from "../../stores/sessionStore";

export function SignInPage() {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useSignIn();
  const signedIn = useSessionStore(selectSignedIn);
  const ended = useSessionStore(selectEndedBecause);
  const from = (useLocation().state as { from?: string } | null)?.from ?? "/chains";
  if (signedIn) return <Navigate to={from} replace />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate({ username: email, password });
  };
  const error = signIn.error instanceof ApiError && signIn.error.status === 429 ? "auth.throttled" : "auth.failed";
  return (
    <Box component="main" sx={{ display: "grid", placeItems: "center", minHeight: "100vh", p: 2 }}>
      <Paper sx={{ p: 4, width: "100%", maxWidth: 400 }}>
        <PageHeader title={t("auth.title")} />
        <Stack component="form" spacing={2} onSubmit={submit} noValidate>
          {ended === "expired" && !signIn.isError ? <Alert severity="info">{t("auth.expired")}</Alert> : null}
          {signIn.isError ? <Alert severity="error">{t(error)}</Alert> : null}
          <TextField
            label={t("auth.email")}
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
          />
          <TextField
            label={t("auth.password")}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          <Button type="submit" variant="contained" disabled={signIn.isPending || !email || !password}>
            {t("auth.submit")}
          </Button>
          <LanguageSelect />
        </Stack>
      </Paper>
    </Box>
  );
}
