/** A form generated from a JSON schema; problems are shown under their fields. */
import { Stack, Typography } from "@mui/material";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { configFields, validateConfig, type JsonSchema } from "../../graph";
import { SchemaField } from "./SchemaField";

interface Props {
  schema: JsonSchema | null;
  value: Record<string, unknown>;
  disabled?: boolean;
  onChange: (value: Record<string, unknown>) => void;
}

export function SchemaForm({ schema, value, disabled = false, onChange }: Props) {
  const { t } = useTranslation();
  const fields = useMemo(() => configFields(schema), [schema]);
  const errors = useMemo(() => new Map(validateConfig(schema, value).map((error) => [error.field, error])), [schema, value]);
  if (fields.length === 0) return <Typography variant="body2">{t("config.none")}</Typography>;

  const set = (name: string, next: unknown) => {
    const rest = Object.fromEntries(Object.entries(value).filter(([key]) => key !== name));
    onChange(next === undefined ? rest : { ...rest, [name]: next });
  };
  return (
    <Stack spacing={2}>
      {fields.map((field) => {
        const error = errors.get(field.name);
        return (
          <SchemaField
            key={field.name}
            field={field}
            value={value[field.name]}
            disabled={disabled}
            error={error ? t(`config.problems.${error.code}`, error.params ?? {}) : null}
            onChange={(next) => set(field.name, next)}
          />
        );
      })}
    </Stack>
  );
}
