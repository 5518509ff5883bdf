/** Issue codes from src/graph/validate.ts in words. */
import { useCallback } from "react";
import { useTranslation } from "react-i18next";
import type { ConfigErrorCode, Issue } from "../../graph";

export function useIssueText(): (issue: Issue) => string {
  const { t } = useTranslation();
  return useCallback(
    (issue: Issue) => {
      if (issue.code === "invalidConfig") {
        const params = issue.params ?? {};
        const problem = t(`config.problems.${params.problem as ConfigErrorCode}`, params);
        return t("issues.invalidConfig", { field: params.field, problem });
      }
      return t(`issues.${issue.code}`, issue.params ?? {});
    },
    [t],
  );
}
