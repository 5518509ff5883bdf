import { configFields, parseFieldInput, validateConfig, type FieldSpec } from "./config";
import type { JsonSchema } from "./types";

// The slugify and regex_extract schemas as pydantic emits them.
const slugify: JsonSchema = {
  additionalProperties: false,
  type: "object",
  properties: {
    separator: { default: "-", enum: ["-", "_"], type: "string" },
    lowercase: { default: true, type: "boolean" },
    max_length: { anyOf: [{ minimum: 1, type: "integer" }, { type: "null" }], default: null },
  },
};
const extract: JsonSchema = {
  type: "object",
  required: ["pattern"],
  properties: {
    pattern: { type: "string", minLength: 1, maxLength: 5 },
    group: { anyOf: [{ type: "integer" }, { type: "string" }], default: 0 },
    ratio: { type: "number", maximum: 1 },
    raw: { type: "object" },
  },
};

describe("configFields", () => {
  it("maps each property to a field kind", () => {
    expect(configFields(slugify).map(({ name, kind, nullable }) => [name, kind, nullable])).toEqual([
      ["separator", "enum", false],
      ["lowercase", "boolean", false],
      ["max_length", "integer", true],
    ]);
    expect(configFields(extract).map((field) => field.kind)).toEqual(["string", "intOrString", "number", "json"]);
  });

  it("keeps enum options and requiredness", () => {
    const [separator] = configFields(slugify);
    expect(separator?.options).toEqual(["-", "_"]);
    expect(configFields(extract)[0]?.required).toBe(true);
  });

  it("has no fields without a schema", () => {
    expect(configFields(undefined)).toEqual([]);
  });
});

describe("validateConfig", () => {
  it("accepts defaults and valid values", () => {
    expect(validateConfig(slugify, {})).toEqual([]);
    expect(validateConfig(slugify, { separator: "_", lowercase: false, max_length: 3 })).toEqual([]);
    expect(validateConfig(slugify, { max_length: null })).toEqual([]);
    expect(validateConfig(null, { anything: 1 })).toEqual([]);
  });

  it("reports each kind of problem", () => {
    expect(validateConfig(slugify, { separator: "+", lowercase: "yes", max_length: 0, x: 1 })).toEqual([
      { field: "separator", code: "enum" },
      { field: "lowercase", code: "type" },
      { field: "max_length", code: "minimum", params: { limit: 1 } },
      { field: "x", code: "unknown" },
    ]);
    expect(validateConfig(extract, { pattern: "", group: 1.5, ratio: 2 })).toEqual([
      { field: "pattern", code: "minLength", params: { limit: 1 } },
      { field: "group", code: "type" },
      { field: "ratio", code: "maximum", params: { limit: 1 } },
    ]);
    expect(validateConfig(extract, { pattern: "toolong" })).toEqual([
      { field: "pattern", code: "maxLength", params: { limit: 5 } },
    ]);
    expect(validateConfig(extract, { pattern: 3, ratio: "x" })).toEqual([
      { field: "pattern", code: "type" },
      { field: "ratio", code: "type" },
    ]);
    expect(validateConfig(extract, { pattern: null })).toEqual([{ field: "pattern", code: "type" }]);
    expect(validateConfig(slugify, { max_length: 2.5 })).toEqual([{ field: "max_length", code: "type" }]);
  });

  it("requires required fields", () => {
    expect(validateConfig(extract, {})).toEqual([{ field: "pattern", code: "required" }]);
  });
});

describe("parseFieldInput", () => {
  const field = (kind: FieldSpec["kind"], nullable = false, required = false): FieldSpec => ({
    name: "f",
    kind,
    schema: {},
    nullable,
    required,
    options: [],
  });

  it("turns an empty box into unset or null", () => {
    expect(parseFieldInput(field("string"), "")).toBeUndefined();
    expect(parseFieldInput(field("integer", true), "")).toBeNull();
    expect(parseFieldInput(field("integer", true, true), "")).toBeUndefined();
  });

  it("parses numbers and keeps garbage for validation", () => {
    expect(parseFieldInput(field("integer"), "42")).toBe(42);
    expect(parseFieldInput(field("number"), "0.5")).toBe(0.5);
    expect(parseFieldInput(field("integer"), "abc")).toBe("abc");
    expect(parseFieldInput(field("intOrString"), "2")).toBe(2);
    expect(parseFieldInput(field("intOrString"), "name")).toBe("name");
    expect(parseFieldInput(field("string"), "text")).toBe("text");
  });
});
