/** A text, number or JSON field: typed into a draft, committed on blur (one undo step per edit). */
import { TextField } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { parseFieldInput, type FieldSpec } from "../../graph";
import type { FieldProps } from "./SchemaField";

export function asText(value: unknown, kind: FieldSpec["kind"]): string {
  if (value === undefined || value === null) return "";
  return kind === "json" ? JSON.stringify(value) : String(value);
}

export function TextSchemaField({ field, value, error, disabled, onChange, help }: FieldProps & { help: string }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(asText(value, field.kind));
  const [jsonError, setJsonError] = useState(false);
  const commit = () => {
    if (field.kind !== "json") return onChange(parseFieldInput(field, draft));
    if (draft === "") return onChange(undefined);
    try {
      const parsed: unknown = JSON.parse(draft);
      setJsonError(false);
      onChange(parsed);
    } catch {
      setJsonError(true);
    }
  };
  const numeric = field.kind === "integer" || field.kind === "number";
  return (
    <TextField fullWidth size="small" label={field.schema.title ?? field.name} required={field.required} disabled={disabled}
      value={draft} multiline={field.kind === "string" || field.kind === "json"} maxRows={6}
      slotProps={{ htmlInput: { inputMode: numeric ? "decimal" : undefined, "data-field": field.name } }}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={commit}
      error={Boolean(error) || jsonError}
      helperText={jsonError ? t("config.invalidJson") : (error ?? help)}
    />
  );
}
