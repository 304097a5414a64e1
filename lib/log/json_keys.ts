/**
 * Where a field sits in JSON text, and keys written twice in one object (`JSON.parse` keeps the
 * last silently, other readers the first). The check every record goes through is cheap: it
 * counts key tokens in the text (a `"` that ends a string, then `:`) against the keys the parsed
 * value holds; only when they differ, or when a field must be located for a message, does a
 * scanner walk the text.
 *
 * @module
 */

/** The end of a string followed by `:`: a key, or (rarely) a string value that starts with `:`. */
const KEY_END = /"\s*:/g;

/** Key tokens in the text; never fewer than the keys it really holds. */
function keyTokens(text: string): number {
  let tokens = 0;
  KEY_END.lastIndex = 0;
  for (let match = KEY_END.exec(text); match; match = KEY_END.exec(text)) {
    if (!escaped(text, match.index)) tokens++;
  }
  return tokens;
}

/** Whether the quote at `at` is escaped (an odd number of backslashes before it). */
function escaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && text.charCodeAt(i) === 92; i--) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * Keys held by a parsed value, at any depth (iterative: nesting depth is the input's), or -1
 * when a number anywhere in it is not finite (JSON has no such number; `JSON.parse` makes
 * `1e400` Infinity, in fields no schema names too).
 */
function parsedKeys(value: unknown): number {
  let keys = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return -1;
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    for (const key in v) {
      keys++;
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return keys;
}

/** The index of the quote that ends the string starting at `from`, or -1. */
function stringEnd(text: string, from: number): number {
  for (let at = text.indexOf('"', from + 1); at >= 0; at = text.indexOf('"', at + 1)) {
    if (!escaped(text, at)) return at;
  }
  return -1;
}

interface Frame {
  array: boolean;
  path: string;
  index: number;
  expectKey: boolean;
  keys: Set<string>;
}

/**
 * Walks JSON text, calling `visit` with the path and line of every key, every list item and
 * the root; stops when `visit` returns true or at malformed text.
 */
function scan(
  text: string,
  visit: (path: string, line: number, duplicate: boolean) => boolean,
): void {
  let line = 1;
  const stack: Frame[] = [];
  let valuePath = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 58) continue; // blanks and ":"
    const top = stack.at(-1);
    if (c === 44) { // ","
      if (top?.array) top.index++;
      else if (top) top.expectKey = true;
      continue;
    }
    if (c === 125 || c === 93) { // "}" "]"
      stack.pop();
      continue;
    }
    if (top && !top.array && top.expectKey) {
      const end = c === 34 ? stringEnd(text, i) : -1;
      if (end < 0) return;
      let key: string;
      try {
        key = JSON.parse(text.slice(i, end + 1));
      } catch {
        return;
      }
      const path = top.path === "" ? key : `${top.path}.${key}`;
      const duplicate = top.keys.has(key);
      top.keys.add(key);
      if (visit(path, line, duplicate)) return;
      top.expectKey = false;
      valuePath = path;
      i = end;
      continue;
    }
    // A value starts.
    const path = top?.array ? `${top.path}[${top.index}]` : valuePath;
    if ((top?.array || !top) && visit(path, line, false)) return;
    if (c === 123 || c === 91) {
      stack.push({ array: c === 91, path, index: 0, expectKey: c === 123, keys: new Set() });
    } else if (c === 34) {
      i = stringEnd(text, i);
      if (i < 0) return;
    } else {
      while (i + 1 < text.length && !",]} \t\r\n".includes(text[i + 1]!)) i++;
    }
  }
}

/**
 * The first key written twice in one object of the text, if any; also catches a non-finite
 * number in any field.
 *
 * @param text JSON text.
 * @param value What `JSON.parse(text)` returned.
 * @returns The duplicated field's path and the line of its second occurrence (`infinite` instead
 *   when a number somewhere is not finite), or undefined.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { duplicateKeyCheck } from "./json_keys.ts";
 * const text = '{"a": 1,\n "b": {"c": 2, "c": -2}}';
 * equal(duplicateKeyCheck(text, JSON.parse(text))?.field, "b.c");
 * ```
 */
export function duplicateKeyCheck(
  text: string,
  value: unknown,
): { field: string; line: number; infinite?: boolean } | undefined {
  const keys = parsedKeys(value);
  if (keys < 0) return { field: "", line: 1, infinite: true };
  if (keyTokens(text) === keys) return undefined;
  let found: { field: string; line: number } | undefined;
  scan(text, (path, line, duplicate) => {
    if (duplicate) found = { field: path, line };
    return duplicate;
  });
  return found;
}

/**
 * The line of a field in JSON text: the field's own line, or its nearest enclosing object's
 * when the field is missing.
 *
 * @param text JSON text.
 * @param field A path such as `components[0].attributedEnergyJoules` (empty for the root).
 * @returns A 1-based line number.
 */
export function lineOfField(text: string, field: string): number {
  let best = 1;
  let bestLength = -1;
  scan(text, (path, line) => {
    const within = path === field ||
      (field.startsWith(path) && (path === "" || field[path.length] === "." ||
        field[path.length] === "["));
    if (within && path.length > bestLength) {
      best = line;
      bestLength = path.length;
    }
    return path === field;
  });
  return best;
}
