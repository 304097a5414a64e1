import { equal, match } from "node:assert/strict";
import { runCli } from "../../lib/cli/app.ts";
import { VERSION } from "../../lib/version.ts";
import { captureContext } from "../helpers/context.ts";

Deno.test("--version prints the version and exits 0", async () => {
  const ctx = captureContext();
  equal(await runCli(["--version"], ctx), 0);
  equal(ctx.out(), `${VERSION}\n`);
});

Deno.test("an unknown flag is a usage error with exit code 2", async () => {
  const ctx = captureContext();
  equal(await runCli(["--no-such-flag"], ctx), 2);
  match(ctx.err(), /unknown option '--no-such-flag'/);
});
