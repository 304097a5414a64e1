/**
 * The real log access (lib/log's finder and reader over the file system), for tests of
 * code that takes a `LogAccess`.
 *
 * @module
 */
import type { LogAccess } from "../../lib/accounting/read_logs.ts";
import { fileLogAccess } from "../../lib/accounting/embedded.ts";

/**
 * Whether lib/log's reader is in the tree (it lands from another branch); tests that read log
 * directories are ignored until it does.
 */
export const logReaderLanded: boolean = await Deno.stat(
  new URL("../../lib/log/read.ts", import.meta.url),
).then(() => true, () => false);

/** Test options that ignore a test until lib/log's reader has landed. */
export const needsLogReader = { ignore: !logReaderLanded };

/**
 * Log access on the real file system.
 *
 * @returns lib/log's `findLogDirs` and `readLogDir`, and Deno's file reads.
 */
export function testLogAccess(): LogAccess {
  return fileLogAccess();
}
