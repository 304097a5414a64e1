/**
 * Benchmark of `impact run`'s own cost: extra CPU time (user + sys of the whole child tree)
 * of `impact run -- sleep 20` at 1 Hz over a 2-socket fake RAPL tree and 8 fake GPUs,
 * against a bare `sleep 20` (the fake nvidia-smi's own CPU reported apart and taken out);
 * the steady-state share of one core; peak RSS (VmHWM); and `impact --version` start-up
 * against an empty script started the same way. Linux only (reads /proc). Takes about a minute.
 *
 * Everything is measured on what users start: `deno task build`'s output (the compiled
 * binary where the compile runtime is at hand, else the bundle `dist/impact.js` under
 * `deno run -A`), never `deno run main.ts` over the npm resolver. Start-up also reports,
 * for reference, a program that only parses `--version` with commander, built the same way:
 * the floor that the CLI framework sets.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "../bench.ts";
import { createFakeRapl } from "../../tests/helpers/fake_sysfs.ts";
import { build, type BuildResult } from "../build.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fakeSmi = join(root, "tests", "fixtures", "fake-nvidia-smi");
const TICKS = 100; // USER_HZ on Linux
const SECONDS = 20;

async function procTicks(path: string): Promise<{ self: number; children: number }> {
  const text = await Deno.readTextFile(path);
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
  // Fields after the command: state is [0], utime [11], stime [12], cutime [13], cstime [14].
  return { self: fields[11]! + fields[12]!, children: fields[13]! + fields[14]! };
}

/** CPU time of a process in seconds at nanosecond resolution (/proc/<pid>/schedstat). */
async function schedSeconds(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/schedstat`);
  return Number(text.split(" ")[0]) / 1e9;
}

const childrenCpuSeconds = async () => (await procTicks("/proc/self/stat")).children / TICKS;

async function vmHwmBytes(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/^VmHWM:\s+(\d+)/m.exec(text)?.[1] ?? 0) * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startupSeconds(command: string[], runs = 9): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = await new Deno.Command(command[0]!, {
      args: command.slice(1),
      stdout: "null",
      stderr: "null",
    }).output();
    if (out.code !== 0) throw new Error(`${command.join(" ")} exited ${out.code}`);
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Builds a one-file program the way `deno task build` built impact, and returns the command
 * that starts it: a compiled binary, or `deno run -A` on its bundle.
 */
async function buildLike(
  kind: BuildResult["kind"],
  dir: string,
  name: string,
  source: string,
): Promise<string[]> {
  const entry = join(dir, `${name}.ts`);
  await Deno.writeTextFile(entry, source);
  const output = join(dir, kind === "binary" ? name : `${name}.js`);
  const args = kind === "binary"
    ? ["compile", "-A", "--config", join(root, "deno.json"), "--output", output, entry]
    : ["bundle", "--quiet", "--config", join(root, "deno.json"), "-o", output, entry];
  const out = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" })
    .output();
  if (out.code !== 0) {
    throw new Error(`deno ${args[0]} ${name} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return kind === "binary" ? [output] : [Deno.execPath(), "run", "-A", output];
}

/** Runs the benchmark. */
export async function bench(): Promise<BenchResult[]> {
  if (Deno.build.os !== "linux") {
    console.log("run bench: Linux only (reads /proc); skipped");
    return [];
  }
  const dir = await Deno.makeTempDir({ prefix: "impact-bench-" });
  try {
    const rapl = await createFakeRapl(join(dir, "sys"), { sockets: 2, dram: true });
    const smiLog = join(dir, "smi.log");
    const env = {
      ...Deno.env.toObject(),
      IMPACT_SYSFS_ROOT: rapl.root,
      IMPACT_NVIDIA_SMI: fakeSmi,
      IMPACT_NVML_LIB: join(dir, "no-nvml.so"),
      FAKE_SMI_GPUS: "8",
      FAKE_SMI_LOG: smiLog,
    };
    // What users start: the binary or the bundle (its first start also fills the code cache).
    const built = await build();
    await new Deno.Command(built.command[0]!, {
      args: [...built.command.slice(1), "--version"],
      stdout: "null",
    }).output();

    // The tracked run.
    const before = await childrenCpuSeconds();
    const impact = new Deno.Command(built.command[0]!, {
      args: [
        ...built.command.slice(1),
        "run",
        "--quiet",
        "--no-env",
        "--log-dir",
        join(dir, "log"),
        "--",
        "sleep",
        String(SECONDS),
      ],
      env,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    await sleep(5000);
    const at5 = await schedSeconds(impact.pid);
    await sleep(10000);
    const at15 = await schedSeconds(impact.pid);
    await sleep((SECONDS - 15) * 1000 - 500);
    const hwm = await vmHwmBytes(impact.pid);
    const streamPid = await streamPidFrom(smiLog);
    const streamSeconds = streamPid ? await schedSeconds(streamPid).catch(() => 0) : 0;
    const impactOut = await impact.output();
    if (impactOut.code !== 0) {
      throw new Error(
        `impact run exited ${impactOut.code}: ${new TextDecoder().decode(impactOut.stderr)}`,
      );
    }
    const trackedTotal = (await childrenCpuSeconds()) - before;
    const steadyShare = (at15 - at5) / 10;

    // The fake nvidia-smi's one-shot invocations (probe, compute-apps), measured apart.
    const invocations = (await Deno.readTextFile(smiLog).catch(() => "")).trim().split("\n").filter(
      (l) => l,
    );
    const oneShots = invocations.filter((l) =>
      !/ -lms? /.test(` ${l.split(" ").slice(1).join(" ")} `)
    );
    let oneShotSeconds = 0;
    for (const line of oneShots.slice(0, 5)) {
      const args = line.split(" ").slice(1);
      const c0 = await childrenCpuSeconds();
      await new Deno.Command(fakeSmi, { args, env, stdout: "null", stderr: "null" }).output();
      oneShotSeconds += (await childrenCpuSeconds()) - c0;
    }
    const fakeSeconds = streamSeconds +
      (oneShots.length > 0 ? (oneShotSeconds / Math.min(5, oneShots.length)) * oneShots.length : 0);

    // The bare command.
    const b0 = await childrenCpuSeconds();
    await new Deno.Command("sleep", { args: [String(SECONDS)] }).output();
    const bareSeconds = (await childrenCpuSeconds()) - b0;

    const extra = trackedTotal - fakeSeconds - bareSeconds;
    console.log(
      `run bench: tracked tree ${trackedTotal.toFixed(3)} s CPU, of which fake nvidia-smi ` +
        `${fakeSeconds.toFixed(3)} s (stream ${
          streamSeconds.toFixed(3)
        } s + ${oneShots.length} one-shot calls); ` +
        `bare sleep ${bareSeconds.toFixed(3)} s`,
    );

    const empty = await buildLike(built.kind, dir, "empty", "export {};\n");
    const commander = await buildLike(
      built.kind,
      dir,
      "commander_only",
      'import { Command } from "@commander-js/extra-typings";\n' +
        'new Command().name("x").version("0", "-V, --version").parse(Deno.args, { from: "user" });\n',
    );
    for (const command of [empty, commander]) await startupSeconds(command, 1); // code cache
    // Interleaved, so that load from elsewhere on the machine hits all three alike.
    const emptyStarts: number[] = [];
    const commanderStarts: number[] = [];
    const impactStarts: number[] = [];
    for (let round = 0; round < 3; round++) {
      emptyStarts.push(await startupSeconds(empty, 5));
      commanderStarts.push(await startupSeconds([...commander, "--version"], 5));
      impactStarts.push(await startupSeconds([...built.command, "--version"], 5));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const emptyStart = median(emptyStarts);
    const commanderStart = median(commanderStarts);
    const impactStart = median(impactStarts);
    const how = built.kind === "binary" ? "compiled binaries" : "bundles under deno run -A";
    console.log(
      `run bench: start-up (${how}), median of 3 rounds of 5: empty ${fmtMs(emptyStarts)}, ` +
        `commander only ${fmtMs(commanderStarts)}, impact --version ${fmtMs(impactStarts)}`,
    );

    return [
      {
        name: `extra CPU of impact run -- sleep ${SECONDS} (1 Hz, 2-socket RAPL, 8 GPUs)`,
        value: extra,
        unit: "s",
        baseline: { name: `bare sleep ${SECONDS}`, value: bareSeconds },
        target: "< 0.3 s",
        met: extra < 0.3,
      },
      {
        name: "steady-state CPU of the tracker",
        value: steadyShare * 100,
        unit: "% of a core",
        target: "< 0.2%",
        met: steadyShare < 0.002,
      },
      {
        name: "peak RSS of the tracker (VmHWM)",
        value: hwm / 1e6,
        unit: "MB",
        target: "< 60 MB",
        met: hwm < 60e6,
      },
      {
        name: `impact --version start-up (${built.kind})`,
        value: impactStart,
        unit: "s",
        baseline: { name: `empty script (${built.kind})`, value: emptyStart },
        target: "< 1.5x",
        met: impactStart < 1.5 * emptyStart,
      },
      {
        name: `commander-only --version start-up (${built.kind}), for reference`,
        value: commanderStart,
        unit: "s",
        baseline: { name: `empty script (${built.kind})`, value: emptyStart },
        target: "none (the framework's floor)",
        met: true,
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function streamPidFrom(log: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(log).catch(() => "");
  const line = text.split("\n").find((l) => / -lms /.test(` ${l} `) || / -l /.test(` ${l} `));
  return line ? Number(line.split(" ")[0]) : undefined;
}

function fmtMs(seconds: number[]): string {
  return seconds.map((x) => `${(x * 1000).toFixed(0)}`).join("/") + " ms";
}
