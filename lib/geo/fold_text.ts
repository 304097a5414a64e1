/**
 * Text folding for place-name matching.
 *
 * @module
 */

const ASCII = /^[\x20-\x7e]*$/;
const ASCII_PUNCTUATION = /[^a-z0-9]+/g;

/**
 * Whether folding a text needs Unicode normalisation (it holds non-ASCII characters).
 *
 * @param text Any text.
 * @returns True when the text is not plain printable ASCII.
 */
export function needsUnicodeFold(text: string): boolean {
  return !ASCII.test(text);
}

/**
 * Folds a string for matching: lower case, accents removed, punctuation to single spaces.
 *
 * @param text Any text.
 * @returns The folded text, e.g. "Zürich" -> "zurich", "St. John's" -> "st john s".
 */
export function foldText(text: string): string {
  // Most names are plain ASCII: skip Unicode normalisation for them (it dominates load time).
  if (!needsUnicodeFold(text)) return text.toLowerCase().replace(ASCII_PUNCTUATION, " ").trim();
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}
