/**
 * The `impact` executable: the only file that reads `Deno.args` or calls `Deno.exit`.
 *
 * @module
 */
// First: under Node.js or Bun this exits before any other module runs.
import "./lib/cli/deno_only.ts";
import { runCli } from "./lib/cli/app.ts";
import { denoContext } from "./lib/cli/context.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args, denoContext()));
}
