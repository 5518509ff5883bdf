/** What a test-run gave: the output, or the reason code (translated) and the sanitized error. */
import { Box, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";
import type { NodeTestRunResult } from "../../client/types.gen";
import { useFormat } from "../../i18n/format";

const REASONS = ["timeout", "memory", "output_limit", "crashed", "node_error", "invalid_output", "load_error"] as const;
type Reason = (typeof REASONS)[number];

function isKnown(reason: string): reason is Reason {
  return (REASONS as readonly string[]).includes(reason);
}

const preSx = { whiteSpace: "pre-wrap", overflowWrap: "anywhere", border: 1, borderColor: "divider", borderRadius: 1, p: 1, m: 0, fontFamily: "monospace" } as const;

export function TestRunResult({ result }: { result: NodeTestRunResult }) {
  const { t } = useTranslation();
  const format = useFormat();
  const time = format.milliseconds(result.time_ms);
  const reason = result.reason ?? "";
  const reasonText = isKnown(reason) ? t(`testRun.reasons.${reason}`) : t("testRun.reasons.unknown", { code: reason });
  return (
    <Box data-testid="test-run-result" data-ok={String(result.ok)}>
      <Typography sx={{ color: result.ok ? "success.main" : "error.main", fontWeight: 500 }}>
        {result.ok ? t("testRun.succeeded", { time }) : t("testRun.failed", { time })}
      </Typography>
      {result.ok ? (
        <>
          <Typography variant="subtitle2" component="h3">{t("testRun.output")}</Typography>
          <Box component="pre" sx={preSx} data-testid="test-run-output">{result.output ?? ""}</Box>
        </>
      ) : (
        <>
          {result.reason ? <Typography data-testid="test-run-reason" data-reason={result.reason}>{t("testRun.reason", { reason: reasonText })}</Typography> : null}
          <Typography variant="subtitle2" component="h3">{t("testRun.error")}</Typography>
          <Box component="pre" sx={{ ...preSx, color: "error.main" }} data-testid="test-run-error">{result.error ?? ""}</Box>
        </>
      )}
    </Box>
  );
}
