/**
 * One field of a config form, chosen by the property's kind: a switch, a choice, a text or
 * number box, or raw JSON.
 */
import { FormControlLabel, FormHelperText, MenuItem, Switch, TextField } from "@mui/material";
import { useTranslation } from "react-i18next";
import type { FieldSpec } from "../../graph";
import { TextSchemaField, asText } from "./TextSchemaField";

export interface FieldProps {
  field: FieldSpec;
  value: unknown;
  error: string | null;
  disabled: boolean;
  onChange: (value: unknown) => void;
}

const UNSET = "__unset__";

export function useFieldHelp(field: FieldSpec): string {
  const { t } = useTranslation();
  const fallback = field.schema.default;
  const hasDefault = fallback !== undefined && fallback !== null;
  return [field.schema.description, hasDefault ? t("config.default", { value: JSON.stringify(fallback) }) : null]
    .filter(Boolean)
    .join(" ");
}

export function SchemaField(props: FieldProps) {
  const { field, value, error, disabled, onChange } = props;
  const { t } = useTranslation();
  const help = useFieldHelp(field);
  const label = field.schema.title ?? field.name;
  if (field.kind === "boolean") {
    const checked = typeof value === "boolean" ? value : field.schema.default === true;
    return (
      <div>
        <FormControlLabel
          control={<Switch checked={checked} disabled={disabled} onChange={(event) => onChange(event.target.checked)} />}
          label={label}
        />
        <FormHelperText error={Boolean(error)}>{error ?? help}</FormHelperText>
      </div>
    );
  }
  if (field.kind === "enum") {
    return (
      <TextField select fullWidth size="small" label={label} required={field.required} disabled={disabled}
        value={value === undefined || value === null ? UNSET : String(value)}
        onChange={(event) => onChange(event.target.value === UNSET ? undefined : event.target.value)}
        error={Boolean(error)} helperText={error ?? help}
      >
        <MenuItem value={UNSET}>{t("config.unset")}</MenuItem>
        {field.options.map((option) => <MenuItem key={option} value={option}>{option}</MenuItem>)}
      </TextField>
    );
  }
  // Keyed by the committed value: an undo or another step's value starts a fresh draft.
  return <TextSchemaField key={asText(value, field.kind)} {...props} help={help} />;
}
