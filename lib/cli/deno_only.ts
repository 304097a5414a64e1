/**
 * Ends the program at once under Node.js or Bun. main.ts imports this module first, so its
 * check runs before any other module of impact does anything: a bundle started with
 * `node impact.js run -- ./job.sh` used to print nothing, run nothing and exit 0, and a batch
 * script would have taken that for success.
 *
 * @module
 */
if (!("Deno" in globalThis)) {
  const message = "impact: this program runs on Deno, not Node.js or Bun: start the `impact` " +
    "executable that `deno task build` makes (dist/impact), or `deno run -A main.ts` in a " +
    "clone of impact\n";
  const host = globalThis as {
    process?: { stderr?: { write(text: string): void }; exit(code: number): never };
  };
  if (!host.process) throw new Error(message);
  host.process.stderr?.write(message);
  // 125: the program could not start (as `env` and impact's own launcher say).
  host.process.exit(125);
}
