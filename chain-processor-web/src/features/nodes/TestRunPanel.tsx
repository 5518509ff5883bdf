/**
 * Test-run the node in the editor on sample input (editors only). The code the editor shows
 * is what runs: a saved node whose code is unchanged runs by id, anything else as unsaved code.
 * The result lands in a polite live region.
 */
import { Box, Button, Stack, TextField, Typography } from "@mui/material";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../../api/http";
import { usePermissions } from "../../api/me";
import { useTestRun } from "../../api/nodeRuns";
import { parseConfigJson } from "../../lib/configJson";
import { TestRunResult } from "./TestRunResult";

interface Props {
  /** The code in the editor. */
  code: string;
  /** The saved node, when there is one. */
  saved?: { id: string; code: string };
}

function useErrorText(error: Error | null): string | null {
  const { t } = useTranslation();
  if (!error) return null;
  if (error instanceof ApiError && error.status === 503) {
    return error.retryAfter === null ? t("testRun.busy") : t("testRun.busyFor", { seconds: error.retryAfter });
  }
  return t("common.unknownError", { message: error.message });
}

export function TestRunPanel({ code, saved }: Props) {
  const { t } = useTranslation();
  const { canEdit } = usePermissions();
  const [input, setInput] = useState("");
  const [configText, setConfigText] = useState("");
  const testRun = useTestRun();
  const errorText = useErrorText(testRun.error);
  const headingId = useId();
  const config = parseConfigJson(configText);
  if (!canEdit) return null;

  const run = () => {
    if (!config.ok) return;
    const nodeId = saved && saved.code === code ? saved.id : undefined;
    testRun.mutate({ nodeId, code, inputText: input, config: config.value });
  };
  return (
    <Box component="section" aria-labelledby={headingId}>
      <Typography id={headingId} variant="subtitle1" component="h2">{t("testRun.title")}</Typography>
      <Typography variant="caption" component="p" sx={{ mb: 1 }}>{t("testRun.help")}</Typography>
      <Stack spacing={2}>
        <TextField label={t("testRun.input")} multiline minRows={2} value={input} onChange={(event) => setInput(event.target.value)} />
        <TextField
          label={t("testRun.config")}
          multiline
          minRows={1}
          value={configText}
          error={!config.ok}
          helperText={config.ok ? t("testRun.configHelp") : t(`testRun.${config.problem}`)}
          slotProps={{ htmlInput: { spellCheck: false, "aria-invalid": !config.ok } }}
          onChange={(event) => setConfigText(event.target.value)}
        />
        <Box>
          <Button variant="contained" onClick={run} disabled={!input || !code.trim() || !config.ok || testRun.isPending}>
            {t("testRun.run")}
          </Button>
        </Box>
        <div role="status" aria-live="polite" data-testid="test-run-status">
          {testRun.isPending ? <Typography>{t("testRun.running")}</Typography> : null}
          {!testRun.isPending && errorText ? <Typography sx={{ color: "error.main" }}>{errorText}</Typography> : null}
          {!testRun.isPending && testRun.data ? <TestRunResult result={testRun.data} /> : null}
        </div>
      </Stack>
    </Box>
  );
}
