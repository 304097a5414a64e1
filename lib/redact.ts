/**
 * Secrets kept out of what the tool records and publishes: a URL's `user:password@` and the
 * values of its token-like query parameters are replaced by `***` wherever a URL appears in
 * text (a `--live-intensity-url`, a geocoder's error message, a command's argument, a
 * `pip freeze` line such as `pkg @ git+https://user:token@host/repo`), and the user's own
 * `--redact` patterns blank whatever else they match.
 *
 * @module
 */

/** What stands in for a secret. */
const REDACTED = "***";

/**
 * A URL in running text: a scheme, `://`, then everything up to a blank or a quote, less the
 * punctuation that ends a sentence or a clause after it (`... at https://host/x: timeout`).
 */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`\\]*[^\s"'<>`\\.,:;!?)\]]/gi;

/**
 * Query (and fragment) parameters whose values are secrets: a token, key, secret, password,
 * signature or credential, alone or as the last word of a name (`api_key`, `X-Amz-Signature`,
 * `access_token`), and OAuth's `code`.
 */
const SECRET_PARAMETER =
  /^(?:.*[-_.])?(?:token|key|apikey|secret|password|passwd|pwd|signature|sig|credentials?|auth|authorization|jwt|sessionid)$|^(?:code|pass|session)$/i;

/** Blanks the secret values of `a=1&token=2` (a query or a fragment). */
function redactParameters(parameters: string): string {
  return parameters.split("&").map((pair) => {
    const eq = pair.indexOf("=");
    if (eq < 0) return pair;
    let name = pair.slice(0, eq);
    try {
      name = decodeURIComponent(name);
    } catch {
      // A malformed escape: judge the name as written.
    }
    return SECRET_PARAMETER.test(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
  }).join("&");
}

/**
 * Strips the credentials from one URL: `user:password@` and the values of token-like query
 * and fragment parameters become `***`. Works on the text, so a URL `new URL()` refuses is
 * redacted as well.
 *
 * @param url The URL as given.
 * @returns The URL with its secrets replaced.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { redactUrl } from "./redact.ts";
 * equal(
 *   redactUrl("https://me:hunter2@api.example.org/v3?zone=DE&auth-token=abc#x"),
 *   "https://***@api.example.org/v3?zone=DE&auth-token=***#x",
 * );
 * ```
 */
export function redactUrl(url: string): string {
  const scheme = url.indexOf("://");
  if (scheme < 0) return url;
  const start = scheme + 3;
  const hash = url.indexOf("#", start);
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? undefined : url.slice(hash + 1);
  const question = beforeHash.indexOf("?", start);
  const beforeQuery = question < 0 ? beforeHash : beforeHash.slice(0, question);
  const query = question < 0 ? undefined : beforeHash.slice(question + 1);
  const slash = beforeQuery.indexOf("/", start);
  const authority = slash < 0 ? beforeQuery.slice(start) : beforeQuery.slice(start, slash);
  const path = slash < 0 ? "" : beforeQuery.slice(slash);
  const at = authority.lastIndexOf("@");
  const host = at < 0 ? authority : `${REDACTED}@${authority.slice(at + 1)}`;
  return url.slice(0, start) + host + path +
    (query === undefined ? "" : `?${redactParameters(query)}`) +
    (fragment === undefined ? "" : `#${redactParameters(fragment)}`);
}

/**
 * Redacts the URLs in a text, then whatever the patterns match.
 *
 * @param text Any text: a message, an argument, a package line.
 * @param patterns The user's `--redact` patterns (global regular expressions).
 * @returns The text with every secret replaced by `***`.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { redactText } from "./redact.ts";
 * equal(
 *   redactText("Cannot reach https://u:p@geo.example/search?q=x&key=k1: timeout", [/q=\w+/g]),
 *   "Cannot reach https://***@geo.example/search?***&key=***: timeout",
 * );
 * ```
 */
export function redactText(text: string, patterns: readonly RegExp[] = []): string {
  let out = text.includes("://") ? text.replace(URL_IN_TEXT, redactUrl) : text;
  for (const pattern of patterns) out = out.replace(pattern, REDACTED);
  return out;
}

/**
 * A copy of a value with every string in it (keys excepted) passed through {@link redactText}:
 * what a log records of a run (its command, labels, environment, region).
 *
 * @param value A plain JSON value.
 * @param patterns The user's `--redact` patterns.
 * @returns The redacted copy.
 */
export function redactStrings<T>(value: T, patterns: readonly RegExp[] = []): T {
  if (typeof value === "string") return redactText(value, patterns) as T;
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, patterns)) as T;
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = redactStrings(item, patterns);
    return copy as T;
  }
  return value;
}

/**
 * Compiles a `--redact` pattern.
 *
 * @param source The regular expression as the user wrote it.
 * @returns A global regular expression.
 * @throws {SyntaxError} When the text is not a regular expression (the caller names the flag).
 */
export function redactPattern(source: string): RegExp {
  if (source === "") throw new SyntaxError("an empty pattern would match everywhere");
  return new RegExp(source, "g");
}
