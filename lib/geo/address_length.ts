/**
 * The longest address the geocoders take. Searching the gazetteer costs time in proportion to
 * the words of the query times the places, so a 20,000-character `--address` took seconds to be
 * refused; a real address fits in far fewer characters, and anything longer is refused at once,
 * before the gazetteer loads or a request leaves.
 *
 * @module
 */

/** The most characters an address may have (Nominatim's longest queries are well under it). */
export const MAX_ADDRESS_CHARS = 200;

/**
 * Says why an address is too long to look up, if it is.
 *
 * @param address What the user typed.
 * @returns A sentence naming the length and the limit, or undefined when the length is fine.
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * import { addressLengthProblem } from "./address_length.ts";
 * equal(addressLengthProblem("Stanford, California"), undefined);
 * equal(
 *   addressLengthProblem("x".repeat(20_000)),
 *   "The address is 20000 characters long; give at most 200 (a place and its region, e.g. \"Stanford, California\")",
 * );
 * ```
 */
export function addressLengthProblem(address: string): string | undefined {
  if (address.length <= MAX_ADDRESS_CHARS) return undefined;
  return `The address is ${address.length} characters long; give at most ${MAX_ADDRESS_CHARS} (a place and its region, e.g. "Stanford, California")`;
}
