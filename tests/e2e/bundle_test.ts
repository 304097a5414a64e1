/**
 * The bundle that `dist/impact` carries (scripts/build/bundle.ts): its start-up rewrites
 * (scripts/build/startup.ts) on sample text, the rewritten bundle answering like `deno run
 * main.ts` does, and Node.js refusing it before it does anything.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { bundleInto } from "../../scripts/build/bundle.ts";
import {
  type ExportKind,
  exportKind,
  hideChunkImports,
  rewriteForStartup,
} from "../../scripts/build/startup.ts";
import { isolatedEnv, MAIN } from "../helpers/cli_process.ts";
import { writeLogSet } from "../helpers/log_fixtures.ts";
import { canStart, skipUnlessCi } from "../helpers/requirements.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

const kinds: Record<string, ExportKind> = {
  "node:path join": "function",
  "node:path delimiter": "primitive",
  "node:worker_threads Worker": "class",
};
const kindOf = (module: string, name: string) => kinds[`${module} ${name}`] ?? "missing";
const valueOf = (module: string, name: string) =>
  `${module} ${name}` === "node:path delimiter" ? ":" : undefined;

Deno.test("literal chunk imports become run-time URLs that Deno does not read at start", () => {
  const { text, count } = hideChunkImports(
    'const a = await import("./zones-ABCD1234.js");\nimport("./x.js").then(f);\nimport("fs");',
  );
  equal(count, 2);
  equal(
    text,
    'const a = await import(new URL("./zones-ABCD1234.js", import.meta.url).href);\n' +
      'import(new URL("./x.js", import.meta.url).href).then(f);\nimport("fs");',
  );
});

Deno.test("node: imports become bindings that load on first use; classes stay eager", () => {
  const source = [
    'import { join as join2, delimiter } from "node:path";',
    'import * as fs from "node:fs";',
    'import { Worker } from "node:worker_threads";',
    "export const f = () => join2(delimiter, fs.sep);",
  ].join("\n");
  const { text, eager } = rewriteForStartup(source, kindOf, valueOf);
  deepEqual(eager, ['import { Worker } from "node:worker_threads";']);
  ok(text.includes('const join2 = __impactLazyFunction("node:path", "join");'), text);
  ok(text.includes('const delimiter = ":";'), text);
  ok(text.includes('const fs = __impactLazyModule("node:fs");'), text);
  equal(text.match(/^import .* from "node:path";$/m), null);
  // The bindings come before any code that could use them.
  ok(text.indexOf("const join2") < text.indexOf("export const f"));
});

Deno.test("only commander's EventEmitter is replaced by the minimal one", () => {
  const commander = "// ../npm/registry.npmjs.org/commander/15.1.0/lib/command.js\n" +
    'import { EventEmitter } from "node:events";\nvar Command = class extends EventEmitter {};';
  const other = "// ../npm/registry.npmjs.org/other/1.0.0/index.js\n" +
    'import { EventEmitter } from "node:events";';
  const kindOfEvents = () => "class" as const;
  const shimmed = rewriteForStartup(commander, kindOfEvents, valueOf);
  deepEqual(shimmed.eager, []);
  match(shimmed.text, /^class EventEmitter \{$/m);
  deepEqual(rewriteForStartup(other, kindOfEvents, valueOf).eager, [
    'import { EventEmitter } from "node:events";',
  ]);
});

Deno.test("exportKind tells node built-ins' functions from classes and constants", async () => {
  const path = await import("node:path") as unknown as Record<string, unknown>;
  const events = await import("node:events") as unknown as Record<string, unknown>;
  equal(exportKind(path, "join"), "function");
  equal(exportKind(path, "delimiter"), "primitive");
  equal(exportKind(path, "posix"), "object");
  equal(exportKind(events, "EventEmitter"), "class");
  equal(exportKind(path, "nope"), "missing");
});

const dir = await Deno.makeTempDir({ prefix: "impact-bundle-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const bundleDir = join(dir, "bundle");
await Deno.mkdir(bundleDir);
const bundle = await bundleInto(ROOT, "main.ts", bundleDir);
const decoder = new TextDecoder();

async function run(command: string, args: string[], cwd: string) {
  const out = await new Deno.Command(command, {
    args,
    cwd,
    env: isolatedEnv(dir),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

const fromBundle = (args: string[], cwd = dir) =>
  run(Deno.execPath(), ["run", "-A", "--no-config", join(bundleDir, "impact.js"), ...args], cwd);
const fromSource = (args: string[], cwd = dir) =>
  run(Deno.execPath(), ["run", "-A", MAIN, ...args], cwd);

Deno.test("the bundle loads no node: built-in at start and names its entry impact.js", () => {
  equal(bundle.files[0], "impact.js");
  deepEqual(bundle.eager, []);
});

Deno.test("the rewritten bundle answers as `deno run main.ts` does", async () => {
  for (
    const args of [
      ["--version"],
      ["--help"],
      ["region", "--address", "Stanford, California"],
      ["region", "--top", "3", "--json"],
      ["cloud", "aws"],
      ["estimate", "--utilization", "nope"],
      ["no-such-command"],
    ]
  ) {
    const [bundled, source] = await Promise.all([fromBundle(args), fromSource(args)]);
    deepEqual(bundled, source, `impact ${args.join(" ")}`);
  }
});

Deno.test("the bundle runs a job, passes its exit code on, and writes the appendix", async () => {
  const result = await fromBundle(["run", "--log-dir", "logs/job", "--", "sh", "-c", "exit 3"]);
  equal(result.code, 3, result.stderr);
  ok((await Deno.stat(join(dir, "logs", "job", "summary.json"))).isFile);
  await writeLogSet(join(dir, "fixtures"), [{ name: "a/1", zone: "FR" }, { name: "a/2" }]);
  const spec = JSON.stringify({ "Runs a": { filter: "a", description: "Two runs" } });
  await Deno.writeTextFile(join(dir, "spec.json"), spec);
  const site = await fromBundle([
    "appendix",
    "fixtures",
    "--site-spec",
    "spec.json",
    "--out",
    "site",
  ]);
  equal(site.code, 0, site.stderr);
  ok((await Deno.stat(join(dir, "site", "index.html"))).isFile);
});

const nodePresent = await canStart("node");
Deno.test({
  name: "node refuses the bundle, naming Deno, before running anything",
  ignore: skipUnlessCi(
    "the bundle under Node.js",
    nodePresent ? undefined : "`node` is not on PATH",
    "install Node.js to run it",
  ),
  async fn() {
    // ES module syntax for every Node version, as a package.json beside a bundle would say.
    await Deno.writeTextFile(join(bundleDir, "package.json"), '{ "type": "module" }\n');
    const marker = join(dir, "ran");
    const out = await run(
      "node",
      [join(bundleDir, "impact.js"), "run", "--", "sh", "-c", `echo > ${marker}`],
      dir,
    );
    await Deno.remove(join(bundleDir, "package.json"));
    ok(out.code !== 0, `node exited 0: ${out.stdout}${out.stderr}`);
    match(out.stderr, /runs on Deno, not Node\.js/);
    equal(out.stdout, "");
    equal(await Deno.stat(marker).then(() => true, () => false), false, "the job ran");
  },
});
