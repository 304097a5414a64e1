/**
 * The `impact` executable: the only file that reads `Deno.args` or calls `Deno.exit`.
 *
 * @module
 */
import { runCli } from "./lib/cli/app.ts";
import { denoContext } from "./lib/cli/context.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, denoContext()));
}
