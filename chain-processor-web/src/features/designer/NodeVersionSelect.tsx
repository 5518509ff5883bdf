/** Pin a step to one version of its node, or follow the latest (pinned when the chain is saved). */
import { MenuItem, TextField } from "@mui/material";
import { useTranslation } from "react-i18next";
import { useNodeVersions } from "../../api/nodes";

interface Props {
  nodeId: string;
  value: string | null;
  disabled: boolean;
  onChange: (versionId: string | null) => void;
}

const LATEST = "__latest__";

export function NodeVersionSelect({ nodeId, value, disabled, onChange }: Props) {
  const { t } = useTranslation();
  const versions = useNodeVersions(nodeId).data?.data ?? [];
  const known = value === null || versions.some((version) => version.id === value);
  return (
    <TextField select fullWidth size="small" label={t("config.version")} disabled={disabled}
      value={value ?? LATEST} onChange={(event) => onChange(event.target.value === LATEST ? null : event.target.value)}>
      <MenuItem value={LATEST}>{t("config.latest")}</MenuItem>
      {versions.map((version) => (
        <MenuItem key={version.id} value={version.id}>{version.version}</MenuItem>
      ))}
      {known ? null : <MenuItem value={value ?? ""}>{value?.slice(0, 8)}</MenuItem>}
    </TextField>
  );
}
