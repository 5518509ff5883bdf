/** An A/B run read back from the API: both arms side by side, then the output diff once both ended. */
import { Alert, Stack, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";
import { useAbRun } from "../../api/ab";
import { DiffView } from "../../components/DiffView";
import { Variant } from "./Variant";

export function AbRunView({ abRunId, titleOf }: { abRunId: string; titleOf: (nodeId: string) => string }) {
  const { t } = useTranslation();
  const query = useAbRun(abRunId);
  const run = query.data;
  if (query.isError) return <Alert severity="error">{t("app.loadFailed", { message: query.error.message })}</Alert>;
  if (!run) return <Typography role="status">{t("app.loading")}</Typography>;
  const a = run.a.execution.output_text ?? "";
  const b = run.b.execution.output_text ?? "";
  return (
    <>
      <Stack direction={{ xs: "column", md: "row" }} spacing={2} sx={{ mb: 2 }}>
        <Variant name="A" arm={run.a} titleOf={titleOf} />
        <Variant name="B" arm={run.b} titleOf={titleOf} />
      </Stack>
      {run.finished ? (
        <section aria-labelledby="ab-diff">
          <Typography id="ab-diff" variant="h6" component="h2">{t("ab.diff")}</Typography>
          {a === b ? <Alert severity="info">{t("ab.same")}</Alert> : <DiffView before={a} after={b} label={t("ab.diff")} />}
        </section>
      ) : null}
    </>
  );
}
