/**
 * Benchmark of start-up, measured on what users start: `deno task build`'s `dist/impact` (a
 * compiled binary, or the launcher with the Deno runtime and the bundle appended), never
 * `deno run main.ts` over the npm resolver.
 *
 * - `impact --version` and `impact region --zone DE` (commands people put in scripts) against
 *   an empty script built and started the same way, interleaved so that load from elsewhere
 *   on the machine hits all alike; a program that only parses `--version` with commander,
 *   built the same way, for reference (the floor the CLI framework sets).
 * - The launcher's first run (it unpacks its runtime into a fresh cache) against its next runs.
 *
 * Every start gets a cache folder of the benchmark's own (XDG_CACHE_HOME), removed at the end.
 *
 * @module
 */
import { join } from "node:path";
import type { BenchResult } from "../bench.ts";
import { build, type BuildResult } from "../build.ts";

async function seconds(command: string, args: string[], env: Record<string, string>) {
  const t0 = performance.now();
  const out = await new Deno.Command(command, { args, env, stdout: "null", stderr: "piped" })
    .output();
  if (out.code !== 0) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Builds `source` the way `built` was built (compiled or launcher), into `dir/name`. */
async function buildLike(built: BuildResult, dir: string, name: string, source: string) {
  const entry = join(dir, `${name}.ts`);
  await Deno.writeTextFile(entry, source);
  const out = await build({ launcher: built.kind === "launcher", entry, out: join(dir, name) });
  return out.path;
}

/** Runs the benchmark. */
export async function bench(): Promise<BenchResult[]> {
  const dir = await Deno.makeTempDir({ prefix: "impact-bench-startup-" });
  try {
    const env = { ...Deno.env.toObject(), XDG_CACHE_HOME: join(dir, "cache") };
    const built = await build();
    const impact = built.path;
    const empty = await buildLike(built, dir, "empty", "export {};\n");
    const commander = await buildLike(
      built,
      dir,
      "commander_only",
      // Set up as lib/cli/app.ts does: its own output and exit, not node:process's.
      'import { Command } from "@commander-js/extra-typings";\n' +
        "const write = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text));\n" +
        'const program = new Command().name("x").version("0", "-V, --version").exitOverride()\n' +
        "  .configureOutput({ writeOut: write, writeErr: write });\n" +
        'try { program.parse(Deno.args, { from: "user" }); } catch { /* --version ends here */ }\n',
    );

    // First runs: a fresh cache each time (the launcher unpacks; a binary has nothing to do).
    const firsts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const fresh = { ...env, XDG_CACHE_HOME: join(dir, `fresh-${i}`) };
      firsts.push(await seconds(impact, ["--version"], fresh));
    }
    for (const program of [empty, commander]) await seconds(program, ["--version"], env);

    const cases: [string, string, string[]][] = [
      ["empty", empty, []],
      ["commander only --version", commander, ["--version"]],
      ["impact --version", impact, ["--version"]],
      ["impact region --zone DE", impact, ["region", "--zone", "DE"]],
    ];
    const times = new Map(cases.map(([name]) => [name, [] as number[]]));
    for (let round = 0; round < 5; round++) {
      for (const [name, program, args] of cases) {
        const runs: number[] = [];
        for (let i = 0; i < 5; i++) runs.push(await seconds(program, args, env));
        times.get(name)!.push(median(runs));
      }
    }
    const at = (name: string) => median(times.get(name)!);
    const ms = (xs: number[]) => xs.map((x) => (x * 1000).toFixed(0)).join("/") + " ms";
    console.log(
      `startup bench (${built.kind}, ${(built.bytes / 2 ** 20).toFixed(1)} MiB), medians of 5 ` +
        `rounds of 5: ${cases.map(([name]) => `${name} ${ms(times.get(name)!)}`).join("; ")}; ` +
        `first runs ${ms(firsts)}`,
    );
    const baseline = { name: `empty script (${built.kind})`, value: at("empty") };
    return [
      {
        name: `impact --version start-up (${built.kind})`,
        value: at("impact --version"),
        unit: "s",
        baseline,
        target: "< 1.5x",
        met: at("impact --version") < 1.5 * baseline.value,
      },
      {
        name: `impact region --zone DE start-up (${built.kind})`,
        value: at("impact region --zone DE"),
        unit: "s",
        baseline,
        target: "< 2x",
        met: at("impact region --zone DE") < 2 * baseline.value,
      },
      {
        name: `commander-only --version start-up (${built.kind}), for reference`,
        value: at("commander only --version"),
        unit: "s",
        baseline,
        target: "none (the framework's floor)",
        met: true,
      },
      {
        name: `first run of impact --version (${built.kind}, unpacking into a fresh cache)`,
        value: median(firsts),
        unit: "s",
        baseline: { name: "next runs", value: at("impact --version") },
        target: "< 3 s",
        met: median(firsts) < 3,
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
