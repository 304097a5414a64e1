/**
 * The real log access (lib/log's finder and reader over the file system), for tests of
 * code that takes a `LogAccess`.
 *
 * @module
 */
import type { LogAccess } from "../../lib/accounting/read_logs.ts";
import { fileLogAccess } from "../../lib/report/read_logs.ts";

/**
 * Log access on the real file system.
 *
 * @returns lib/log's `findLogDirs` and `readLogDir`, and Deno's file reads.
 */
export function testLogAccess(): LogAccess {
  return fileLogAccess();
}
