/**
 * Issue 12, item 8: credentials in `--live-intensity-url` (and anything else a run records)
 * stay out of impact.json, the terminal and the appendix zip; `--redact` blanks what else the
 * user names.
 *
 * @module
 */
import { equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";
import { tempDir } from "../helpers/temp_dir.ts";

Deno.test("impact run records no URL credentials and blanks --redact matches", async () => {
  await using dir = await tempDir();
  let polls = 0;
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    polls++;
    return new Response("down", { status: 503 });
  });
  const port = server.addr.port;
  const logDir = join(dir.path, "log");
  const r = await runImpact(
    [
      "run",
      "--no-env",
      "--log-dir",
      logDir,
      "--interval",
      "0.2",
      "--zone",
      "GB",
      "--live-intensity",
      "uk",
      "--live-intensity-url",
      `http://127.0.0.1:${port}/v2?zone=GB&api_key=s3cr3t-key`,
      "--live-intensity-every",
      "0.2",
      "--label",
      "dataset=https://alice:hunter2@data.example.org/corpus",
      "--label",
      "run=secret-42",
      "--redact",
      "secret-\\d+",
      "--",
      "sleep",
      "1",
    ],
    dir.path,
    isolatedEnv(dir.path),
  );
  equal(r.code, 0, r.stderr);
  const text = await Deno.readTextFile(join(logDir, "impact.json"));
  for (const secret of ["s3cr3t-key", "hunter2", "secret-42"]) {
    ok(!text.includes(secret), `impact.json holds ${secret}`);
    ok(!r.stderr.includes(secret), `the terminal shows ${secret}`);
  }
  const info = JSON.parse(text);
  equal(info.region.live.url, `http://127.0.0.1:${port}/v2?zone=GB&api_key=***`);
  equal(info.labels.dataset, "https://***@data.example.org/corpus");
  equal(info.labels.run, "***");
  ok(polls > 0);
});

Deno.test("a --redact pattern that is no regular expression is a usage error", async () => {
  await using dir = await tempDir();
  const r = await runImpact(
    ["run", "--redact", "(unclosed", "--", "true"],
    dir.path,
    isolatedEnv(dir.path),
  );
  equal(r.code, 2);
  ok(r.stderr.includes('--redact "(unclosed" is not a regular expression'), r.stderr);
});
