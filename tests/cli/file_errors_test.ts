/**
 * Issue 12, item 6 (the reading side): file-system errors get the README's exit codes (3 for
 * an input that cannot be read, 2 for an output that cannot be written) and a message naming
 * the path and the fix, never "internal error" (exit 1).
 *
 * @module
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../../lib/cli/app.ts";
import { denoRuntime } from "../../lib/runtime.ts";
import { captureContext } from "../helpers/context.ts";
import { withDeniedReads } from "../helpers/denied_reads.ts";
import { frAndDeRuns, writeLogSet } from "../helpers/log_fixtures.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const specPath = fileURLToPath(new URL("../fixtures/appendix_spec.json", import.meta.url));

async function run(argv: string[], cwd: string, runtime = denoRuntime) {
  const ctx = captureContext(runtime, cwd);
  const code = await runCli(argv, ctx);
  return { code, out: ctx.out(), err: ctx.err() };
}

Deno.test("log paths: missing is 3, a file is skipped, a log file stands for its folder", async () => {
  await using root = await tempDir();
  const [a] = await writeLogSet(root.path, frAndDeRuns());
  const missing = await run(["summary", "nowhere"], root.path);
  equal(missing.code, 3);
  match(missing.err, /Cannot read .*nowhere: it does not exist; check the path/);
  await Deno.writeTextFile(join(root.path, "notes.txt"), "x");
  const file = await run(["summary", "notes.txt"], root.path);
  equal(file.code, 3);
  match(file.err, /notes\.txt is a file, not a log directory or a folder of them; skipped/);
  const byFile = await run(["summary", "--json", join(a!, "impact.json")], root.path);
  equal(byFile.code, 0, byFile.err);
  equal(JSON.parse(byFile.out).total.runs, 1);
});

Deno.test("an unreadable impact.json leaves its run out (exit 0), or exits 3 when it was the only one", async () => {
  await using root = await tempDir();
  const [a] = await writeLogSet(root.path, frAndDeRuns());
  const denied = withDeniedReads(denoRuntime, (p) => p === join(a!, "impact.json"));
  const some = await run(
    ["statement", ".", "--country", "USA", "--format", "json"],
    root.path,
    denied,
  );
  equal(some.code, 0, some.err);
  equal(JSON.parse(some.out).runs, 1);
  match(
    some.err,
    /Cannot read .*a\/impact\.json: permission denied; ask its owner to make it readable/,
  );
  const only = await run(["summary", a!], root.path, denied);
  equal(only.code, 3);
  match(only.err, /No usable log directory among the 1 found: Cannot read .*permission denied/);
});

Deno.test("export -o: a folder, or a file in a missing folder, is exit 2 with the path and the fix", async () => {
  await using root = await tempDir();
  await writeLogSet(join(root.path, "logs"), frAndDeRuns());
  await Deno.mkdir(join(root.path, "out.csv"));
  const folder = await run(["export", "logs", "-o", "out.csv"], root.path);
  equal(folder.code, 2);
  match(
    folder.err,
    /Cannot write .*out\.csv: it is a folder where a file is needed; give a file's path/,
  );
  const nested = await run(["export", "logs", "-o", "no/such/dir/out.csv"], root.path);
  equal(nested.code, 2);
  match(
    nested.err,
    /Cannot write .*no\/such\/dir\/out\.csv: a folder on its path does not exist; create it first/,
  );
});

Deno.test("appendix: an --out that is a file is exit 2; a missing or folder site spec is exit 3", async () => {
  await using root = await tempDir();
  await writeLogSet(join(root.path, "logs"), frAndDeRuns());
  await Deno.writeTextFile(join(root.path, "site"), "a file");
  const onFile = await run(
    ["appendix", "logs", "--site-spec", specPath, "--out", "site"],
    root.path,
  );
  equal(onFile.code, 2);
  equal(
    onFile.err,
    "impact: Cannot create site: a file of that name is there; give a folder's path\n",
  );
  const under = await run(
    ["appendix", "logs", "--site-spec", specPath, "--out", "site/x"],
    root.path,
  );
  equal(under.code, 2);
  match(
    under.err,
    /Cannot create site\/x: it, or a folder on its path, is a file where a folder is needed/,
  );
  const noSpec = await run(
    ["appendix", "logs", "--site-spec", "spec.json", "--out", "out"],
    root.path,
  );
  equal(noSpec.code, 3);
  equal(noSpec.err, "impact: Cannot read spec.json: it does not exist; check the path\n");
  const dirSpec = await run(["appendix", "logs", "--site-spec", "logs", "--out", "out"], root.path);
  equal(dirSpec.code, 3);
  match(dirSpec.err, /Cannot read logs: it is a folder where a file is needed/);
});

Deno.test("region --points: a missing file or a folder is exit 3 naming it", async () => {
  await using root = await tempDir();
  const missing = await run(["region", "--points", "pts.csv"], root.path);
  equal(missing.code, 3);
  equal(missing.err, "impact: Cannot read pts.csv: it does not exist; check the path\n");
  const folder = await run(["region", "--points", "."], root.path);
  equal(folder.code, 3);
  match(folder.err, /Cannot read \.: it is a folder where a file is needed/);
});

Deno.test({
  name:
    "as a user chmod binds: an unlistable folder is skipped, an unreadable log file left out of the zip",
  ignore: Deno.build.os === "windows" || Deno.uid() === 0,
  async fn() {
    await using root = await tempDir();
    const [a, b] = await writeLogSet(join(root.path, "logs"), frAndDeRuns());
    await Deno.chmod(b!, 0o000);
    await Deno.chmod(join(a!, "samples.jsonl"), 0o000);
    try {
      const summary = await run(["summary", "--json", "logs"], root.path);
      equal(summary.code, 0, summary.err);
      ok(
        JSON.parse(summary.out).warnings.some((w: string) =>
          /Cannot list the folder .*b: permission denied/.test(w)
        ),
      );
      const appendix = await run(
        ["appendix", "logs", "--site-spec", specPath, "--out", "site"],
        root.path,
      );
      equal(appendix.code, 0, appendix.err);
      match(appendix.err, /samples\.jsonl: permission denied.*left out of the run's zip/);
    } finally {
      await Deno.chmod(b!, 0o755);
      await Deno.chmod(join(a!, "samples.jsonl"), 0o644);
    }
  },
});
