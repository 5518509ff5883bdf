import { Chip } from "@mui/material";
import { useTranslation } from "react-i18next";
import type { StepRunStatus } from "../stores/runStore";

const COLOR = {
  pending: "default",
  running: "info",
  succeeded: "success",
  failed: "error",
  cancelled: "warning",
  timed_out: "error",
  skipped: "default",
} as const;

export function StatusChip({ status }: { status: StepRunStatus }) {
  const { t } = useTranslation();
  return <Chip size="small" color={COLOR[status]} label={t(`status.${status}`)} data-status={status} />;
}
