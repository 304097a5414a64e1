/**
 * Paths and contents of the files in tests/fixtures/.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/**
 * The path of a fixture.
 *
 * @param name The file name under tests/fixtures/.
 * @returns Its absolute path.
 */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/**
 * Reads a fixture as text.
 *
 * @param name The file name under tests/fixtures/.
 * @returns Its contents.
 */
export function readFixture(name: string): Promise<string> {
  return Deno.readTextFile(fixturePath(name));
}
