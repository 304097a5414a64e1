/**
 * A small JSON Schema validator: the subset data/site_spec.schema.json uses (`type`,
 * `properties`, `required`, `additionalProperties`, `items`, `minProperties`, `minLength`,
 * `enum`, local `$ref`, `format: "regex"`). Each error names the JSON path and what was expected.
 *
 * @module
 */

/** The schema keywords this validator understands. */
export interface JsonSchema {
  type?: "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minProperties?: number;
  minLength?: number;
  enum?: unknown[];
  format?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  [keyword: string]: unknown;
}

/** One place where a value does not match its schema. */
export interface SchemaError {
  /** JSONPath of the value, e.g. `$["Pong PPO"].filter`. */
  path: string;
  /** What was expected there, in words. */
  message: string;
}

/**
 * Validates a parsed JSON value against a schema.
 *
 * @param value The parsed JSON.
 * @param schema The root schema (its `$defs` resolve `$ref`s).
 * @returns Every error found, in document order; empty when the value is valid.
 */
export function validateJson(value: unknown, schema: JsonSchema): SchemaError[] {
  const errors: SchemaError[] = [];
  check(value, schema, "$", schema, errors);
  return errors;
}

/**
 * Appends one key or index to a JSONPath.
 *
 * @param path The parent's path.
 * @param key An object key or array index.
 * @returns The child's path.
 */
export function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (schema.$ref === undefined) return schema;
  const match = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
  const target = match ? root.$defs?.[match[1]!] : undefined;
  if (!target) throw new Error(`Schema reference ${schema.$ref} cannot be resolved`);
  // Keywords beside a $ref (a description) add nothing to validation here.
  return resolve(target, root);
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

function check(
  value: unknown,
  raw: JsonSchema,
  path: string,
  root: JsonSchema,
  errors: SchemaError[],
): void {
  const schema = resolve(raw, root);
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const ok = schema.type === actual ||
      (schema.type === "integer" && actual === "number" && Number.isInteger(value));
    if (!ok) {
      const article = /^[aeiou]/.test(schema.type) ? "an" : "a";
      errors.push({
        path,
        message: `expected ${article} ${schema.type}, found ${describe(value)}`,
      });
      return;
    }
  }
  if (schema.enum && !schema.enum.some((v) => v === value)) {
    errors.push({
      path,
      message: `expected one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}, found ${
        describe(value)
      }`,
    });
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      errors.push({ path, message: `expected at least ${schema.minLength} character(s)` });
    }
    if (schema.format === "regex") {
      try {
        new RegExp(value);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        errors.push({ path, message: `expected a regular expression (${why})` });
      }
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => check(item, schema.items!, childPath(path, i), root, errors));
  }
  if (actual === "object") {
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) {
      errors.push({ path, message: `expected at least ${schema.minProperties} entry(ies)` });
    }
    for (const name of schema.required ?? []) {
      if (!(name in object)) errors.push({ path, message: `expected a "${name}" entry` });
    }
    for (const key of keys) {
      const known = schema.properties?.[key];
      const sub = known ?? schema.additionalProperties;
      if (sub === false) {
        errors.push({ path: childPath(path, key), message: "unexpected entry" });
      } else if (sub !== undefined && sub !== true) {
        check(object[key], sub, childPath(path, key), root, errors);
      }
    }
  }
}
