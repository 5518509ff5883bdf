/**
 * A node's configuration against its JSON schema (what pydantic's `model_json_schema()` gives
 * for builtin nodes): which form field each property needs, and what is wrong with a value.
 * Only the subset the builtin nodes use is understood; anything else is edited as JSON.
 */
import type { JsonSchema } from "./types";

export type FieldKind = "boolean" | "integer" | "number" | "string" | "enum" | "intOrString" | "json";

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  /** The branch of `anyOf` (or the property itself) that holds the constraints. */
  schema: JsonSchema;
  nullable: boolean;
  required: boolean;
  options: string[];
}

export type ConfigErrorCode =
  | "required"
  | "type"
  | "enum"
  | "minimum"
  | "maximum"
  | "minLength"
  | "maxLength"
  | "unknown";

export interface ConfigError {
  field: string;
  code: ConfigErrorCode;
  params?: Record<string, number | string>;
}

function types(schema: JsonSchema): string[] {
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

function kindOf(schema: JsonSchema, branches: JsonSchema[]): FieldKind {
  const all = new Set(branches.flatMap(types));
  if (all.has("integer") && all.has("string")) return "intOrString";
  if (schema.enum && schema.enum.every((value) => typeof value === "string")) return "enum";
  const [only] = types(schema);
  if (only === "boolean" || only === "integer" || only === "number" || only === "string") {
    return only;
  }
  return "json";
}

/** One form field per property, in the schema's order. */
export function configFields(schema: JsonSchema | null | undefined): FieldSpec[] {
  const required = new Set(schema?.required ?? []);
  return Object.entries(schema?.properties ?? {}).map(([name, property]) => {
    const branches = property.anyOf ?? [property];
    const nonNull = branches.filter((branch) => !types(branch).includes("null"));
    const main = nonNull.length === 1 ? (nonNull[0] as JsonSchema) : property;
    return {
      name,
      kind: nonNull.length > 1 ? kindOf(property, nonNull) : kindOf(main, nonNull),
      schema: main,
      nullable: nonNull.length < branches.length,
      required: required.has(name),
      options: (main.enum ?? []).map(String),
    };
  });
}

function checkValue(field: FieldSpec, value: unknown): ConfigError | null {
  const { name, schema } = field;
  if (value === null) return field.nullable ? null : { field: name, code: "type" };
  switch (field.kind) {
    case "boolean":
      return typeof value === "boolean" ? null : { field: name, code: "type" };
    case "enum":
      return field.options.includes(String(value)) ? null : { field: name, code: "enum" };
    case "integer":
    case "number": {
      const integer = field.kind === "integer";
      if (typeof value !== "number" || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
        return { field: name, code: "type" };
      }
      if (schema.minimum !== undefined && value < schema.minimum) {
        return { field: name, code: "minimum", params: { limit: schema.minimum } };
      }
      if (schema.maximum !== undefined && value > schema.maximum) {
        return { field: name, code: "maximum", params: { limit: schema.maximum } };
      }
      return null;
    }
    case "string": {
      if (typeof value !== "string") return { field: name, code: "type" };
      if (schema.minLength !== undefined && value.length < schema.minLength) {
        return { field: name, code: "minLength", params: { limit: schema.minLength } };
      }
      if (schema.maxLength !== undefined && value.length > schema.maxLength) {
        return { field: name, code: "maxLength", params: { limit: schema.maxLength } };
      }
      return null;
    }
    case "intOrString":
      return typeof value === "string" || Number.isInteger(value) ? null : { field: name, code: "type" };
    default:
      return null;
  }
}

/** Every problem with `config`: missing required fields, wrong types, out-of-range values. */
export function validateConfig(
  schema: JsonSchema | null | undefined,
  config: Record<string, unknown>,
): ConfigError[] {
  if (!schema) return [];
  const fields = configFields(schema);
  const known = new Set(fields.map((field) => field.name));
  const errors: ConfigError[] = [];
  for (const field of fields) {
    const value = config[field.name];
    if (value === undefined) {
      if (field.required) errors.push({ field: field.name, code: "required" });
      continue;
    }
    const error = checkValue(field, value);
    if (error) errors.push(error);
  }
  if (schema.additionalProperties === false) {
    for (const key of Object.keys(config)) {
      if (!known.has(key)) errors.push({ field: key, code: "unknown" });
    }
  }
  return errors;
}

/**
 * Turn what a text box holds into the value the schema wants: "" means unset (undefined), or
 * null for a nullable field; numbers are parsed; invalid numbers stay strings so validation
 * reports them.
 */
export function parseFieldInput(field: FieldSpec, raw: string): unknown {
  if (raw === "") return field.nullable && !field.required ? null : undefined;
  if (field.kind === "integer" || field.kind === "number") {
    const value = Number(raw);
    return Number.isNaN(value) ? raw : value;
  }
  if (field.kind === "intOrString") return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  return raw;
}
