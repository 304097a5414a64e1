/**
 * JSON Schema validation with `@cfworker/json-schema` (drafts 4 to 2020-12, no code
 * generation), with errors in our words: the JSON path of the value and what was expected
 * there. A schema that uses a keyword the validator does not implement is refused when the
 * validator is made, so a `pattern` misspelt or a `$dynamicRef` can never validate nothing in
 * silence.
 *
 * @module
 */
import {
  format,
  type OutputUnit,
  type Schema,
  type SchemaDraft,
  Validator,
} from "@cfworker/json-schema";

/** One place where a value does not match its schema. */
export interface SchemaError {
  /** JSONPath of the value, e.g. `$["Pong PPO"].filter`. */
  path: string;
  /** What was expected there, in words. */
  message: string;
}

/** Keywords `@cfworker/json-schema` 4.1 checks (its validate.js reads exactly these). */
const VALIDATION_KEYWORDS = [
  "$ref",
  "$recursiveRef",
  "$recursiveAnchor",
  "type",
  "const",
  "enum",
  "required",
  "not",
  "anyOf",
  "allOf",
  "oneOf",
  "if",
  "then",
  "else",
  "format",
  "properties",
  "patternProperties",
  "additionalProperties",
  "unevaluatedProperties",
  "minProperties",
  "maxProperties",
  "propertyNames",
  "dependentRequired",
  "dependentSchemas",
  "dependencies",
  "prefixItems",
  "items",
  "additionalItems",
  "unevaluatedItems",
  "contains",
  "minContains",
  "maxContains",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
];

/** Keywords that identify, structure or annotate a schema and validate nothing by design. */
const ANNOTATION_KEYWORDS = [
  "$schema",
  "$id",
  "$anchor",
  "$comment",
  "$defs",
  "definitions",
  "title",
  "description",
  "default",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
];

/** Every keyword a schema given to {@link createSchemaValidator} may use. */
const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([
  ...VALIDATION_KEYWORDS,
  ...ANNOTATION_KEYWORDS,
]);

/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAPS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
/** Keywords whose value is a subschema, or a list of them. */
const SCHEMA_VALUES = [
  "not",
  "if",
  "then",
  "else",
  "items",
  "prefixItems",
  "additionalItems",
  "unevaluatedItems",
  "contains",
  "additionalProperties",
  "unevaluatedProperties",
  "propertyNames",
  "anyOf",
  "allOf",
  "oneOf",
];

/**
 * The keywords of a schema that the validator would ignore, as JSON pointers.
 *
 * @param schema A JSON Schema.
 * @returns Pointers to each unsupported keyword, e.g. `#/$defs/metric/patern`; empty when
 *   every keyword is one the validator implements or an annotation.
 * @example A misspelt keyword is found
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { unsupportedKeywords } from "./json_schema.ts";
 *
 * const problems = unsupportedKeywords({ type: "object", properties: { a: { patern: "x" } } });
 * equal(problems.join(), "#/properties/a/patern");
 * ```
 */
export function unsupportedKeywords(schema: unknown, pointer = "#"): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  if (Array.isArray(schema)) {
    return schema.flatMap((item, i) => unsupportedKeywords(item, `${pointer}/${i}`));
  }
  const found: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    const at = `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    if (!SUPPORTED_KEYWORDS.has(key)) found.push(at);
    else if (SCHEMA_VALUES.includes(key)) found.push(...unsupportedKeywords(value, at));
    else if (SCHEMA_MAPS.includes(key) && typeof value === "object" && value !== null) {
      for (const [name, sub] of Object.entries(value)) {
        found.push(
          ...unsupportedKeywords(sub, `${at}/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`),
        );
      }
    }
  }
  return found;
}

/**
 * Appends one key or index to a JSONPath.
 *
 * @param path The parent's path.
 * @param key An object key or array index.
 * @returns The child's path.
 * @example Plain and quoted keys
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { childPath } from "./json_schema.ts";
 * equal(childPath(childPath("$", "Pong PPO"), "filter"), '$["Pong PPO"].filter');
 * equal(childPath("$.items", 2), "$.items[2]");
 * ```
 */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

/**
 * A validator for one schema.
 *
 * @param schema The root schema (local `$ref`s into its `$defs`).
 * @param draft The draft its keywords follow.
 * @returns A function giving every error of a value, in our words; empty when it is valid.
 * @throws {Error} When the schema uses a keyword the validator does not implement.
 * @example Errors name the JSON path
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { createSchemaValidator } from "./json_schema.ts";
 *
 * const validate = createSchemaValidator({
 *   type: "object",
 *   properties: { runs: { type: "array", items: { type: "string" } } },
 * });
 * const [error] = validate({ runs: ["a", 3] });
 * equal(error!.path, "$.runs[1]");
 * equal(error!.message, "expected a string, found number 3");
 * ```
 */
export function createSchemaValidator(
  schema: Record<string, unknown>,
  draft: SchemaDraft = "2020-12",
): (value: unknown) => SchemaError[] {
  const unsupported = unsupportedKeywords(schema);
  if (unsupported.length > 0) {
    throw new Error(
      `The schema uses keywords the validator does not implement: ${unsupported.join(", ")}`,
    );
  }
  const validator = new Validator(schema as Schema, draft, false);
  return (value) => {
    const units = validator.validate(value).errors;
    // A unit with a deeper unit under it only says "a subschema had errors": report the leaves.
    const leaves = units.filter((unit) =>
      !units.some((other) => other.keywordLocation.startsWith(`${unit.keywordLocation}/`))
    );
    const seen = new Set<string>();
    const errors: SchemaError[] = [];
    for (const unit of leaves) {
      for (const error of inOurWords(unit, value, schema)) {
        const key = `${error.path}\n${error.message}`;
        if (!seen.has(key)) errors.push(error);
        seen.add(key);
      }
    }
    return errors;
  };
}

// Our filters are compiled as written (`new RegExp(filter)`, as experiment-impact-tracker's
// patterns were), so "regex" means what that accepts, not the stricter `u` mode the package
// checks by default.
format.regex = (text: string) => {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
};

function segments(pointer: string): string[] {
  return pointer.replace(/^#\/?/, "").split("/").filter((s) => s !== "").map((s) =>
    decodeURIComponent(s).replaceAll("~1", "/").replaceAll("~0", "~")
  );
}

/** The value at an instance location, and its JSONPath. */
function locate(value: unknown, pointer: string): { value: unknown; path: string } {
  let at = value;
  let path = "$";
  for (const segment of segments(pointer)) {
    if (Array.isArray(at)) {
      path = childPath(path, Number(segment));
      at = at[Number(segment)];
    } else {
      path = childPath(path, segment);
      at = (at as Record<string, unknown>)[segment];
    }
  }
  return { value: at, path };
}

/** The keyword's value in the schema, following the `$ref`s on its way. */
function keywordValue(schema: Record<string, unknown>, pointer: string): unknown {
  let at: unknown = schema;
  for (const segment of segments(pointer)) {
    const node = at as Record<string, unknown>;
    at = segment === "$ref" ? keywordValue(schema, String(node.$ref)) : node[segment];
  }
  return at;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function describe(value: unknown): string {
  const type = typeOf(value);
  if (type === "string" || type === "number" || type === "boolean") {
    return `${type} ${JSON.stringify(value)}`;
  }
  return type === "object" ? "an object" : type === "array" ? "an array" : type;
}

function inOurWords(
  unit: OutputUnit,
  root: unknown,
  schema: Record<string, unknown>,
): SchemaError[] {
  const { value, path } = locate(root, unit.instanceLocation);
  const at = (message: string) => [{ path, message }];
  // A `false` subschema's unit carries the value's location as its keyword location too.
  if (unit.keyword === "false") return at("unexpected entry");
  // "Property x does not match": the unit under it (a subschema's or `false`'s) says why.
  if (/^Property ".*" does not match/.test(unit.error)) return [];
  const expected = keywordValue(schema, unit.keywordLocation);
  switch (unit.keyword) {
    case "type": {
      const types = [expected].flat().map(String);
      const words = types.map((t) => `${/^[aeiou]/.test(t) ? "an" : "a"} ${t}`).join(" or ");
      return at(`expected ${words}, found ${describe(value)}`);
    }
    case "required": {
      const object = value as Record<string, unknown>;
      return (expected as string[]).filter((name) => !(name in object))
        .map((name) => ({ path, message: `expected a "${name}" entry` }));
    }
    case "minProperties":
      return at(`expected at least ${expected} entry(ies)`);
    case "minLength":
      return at(`expected at least ${expected} character(s)`);
    case "enum":
      return at(
        `expected one of ${(expected as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, ` +
          `found ${describe(value)}`,
      );
    case "format": {
      if (expected !== "regex") return at(`expected the format ${JSON.stringify(expected)}`);
      let why = "";
      try {
        new RegExp(String(value));
      } catch (error) {
        why = ` (${error instanceof Error ? error.message : String(error)})`;
      }
      return at(`expected a regular expression${why}`);
    }
    default:
      return at(unit.error.replace(/\.$/, ""));
  }
}
