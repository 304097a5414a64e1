import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readLogDir } from "../../lib/log/read.ts";
import { isolatedEnv, readUntil, runImpact, spawnImpact } from "../helpers/cli_process.ts";
import { createFakeRapl } from "../helpers/fake_sysfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

async function withTemp(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "impact-e2e-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("impact run passes exit codes through: 0, 3, 127, 126 and 128+N", async () => {
  await withTemp(async (dir) => {
    const env = isolatedEnv(dir);
    const script = join(dir, "not-executable.sh");
    await Deno.writeTextFile(script, "#!/bin/sh\nexit 0\n");
    await Deno.chmod(script, 0o644);
    const cases: [string[], number][] = [
      [["true"], 0],
      [["sh", "-c", "exit 3"], 3],
      [["no-such-command-impact-test"], 127],
      [[script], 126],
      [["sh", "-c", "kill -KILL $$"], 137],
    ];
    const results = await Promise.all(
      cases.map(([cmd], i) =>
        runImpact(["run", "--no-env", "--log-dir", join(dir, `log${i}`), "--", ...cmd], dir, env)
      ),
    );
    results.forEach((r, i) =>
      equal(r.code, cases[i]![1], `${cases[i]![0].join(" ")}: ${r.stderr}`)
    );
    match(results[2]!.stderr, /Command not found: "no-such-command-impact-test"/);
    match(results[3]!.stderr, /Cannot execute/);
    const killed = await readLogDir(join(dir, "log4"));
    equal(killed.summary.signal, "SIGKILL");
    equal(killed.summary.exitCode, 137);
    const three = await readLogDir(join(dir, "log1"));
    equal(three.info.exitCode, 3);
    equal(three.summary.recomputed, undefined);
    match(results[1]!.stderr, /exited 3 after/);
  });
});

Deno.test("SIGTERM to impact reaches the child; the summary is still written", async () => {
  await withTemp(async (dir) => {
    const logDir = join(dir, "log");
    const child = spawnImpact(
      [
        "run",
        "--no-env",
        "--interval",
        "0.2",
        "--log-dir",
        logDir,
        "--",
        "sh",
        "-c",
        'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done',
      ],
      dir,
      isolatedEnv(dir),
    );
    const { text, reader } = await readUntil(child.stdout, "ready");
    ok(text.includes("ready"));
    child.kill("SIGTERM");
    let rest = text;
    const dec = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += dec.decode(value);
    }
    const status = await child.status;
    await child.stderr.cancel();
    equal(status.code, 7);
    match(rest, /got-term/);
    const log = await readLogDir(logDir);
    equal(log.summary.exitCode, 7);
    equal(log.summary.recomputed, undefined);
    ok(log.summary.durationSeconds > 0);
  });
});

Deno.test("a child killed by a forwarded signal exits 128+N with its summary written", async () => {
  await withTemp(async (dir) => {
    const logDir = join(dir, "log");
    const child = spawnImpact(
      ["run", "--no-env", "--log-dir", logDir, "--", "sh", "-c", "echo ready; exec sleep 30"],
      dir,
      isolatedEnv(dir),
    );
    const { reader } = await readUntil(child.stdout, "ready");
    child.kill("SIGTERM");
    const status = await child.status;
    reader.releaseLock();
    await child.stdout.cancel();
    await child.stderr.cancel();
    equal(status.code, 143);
    const log = await readLogDir(logDir);
    equal(log.summary.signal, "SIGTERM");
    equal(log.info.exitCode, 143);
  });
});

Deno.test("SIGKILL of impact leaves a log directory that still reads", async () => {
  await withTemp(async (dir) => {
    const logDir = join(dir, "log");
    const child = spawnImpact(
      [
        "run",
        "--no-env",
        "--interval",
        "0.1",
        "--log-dir",
        logDir,
        "--",
        "sh",
        "-c",
        "echo $$; exec sleep 30",
      ],
      dir,
      isolatedEnv(dir),
    );
    const { text, reader } = await readUntil(child.stdout, "\n");
    const jobPid = Number(text.trim());
    try {
      // Wait for at least three sample lines on disk.
      for (let i = 0; i < 200; i++) {
        const lines = await Deno.readTextFile(join(logDir, "samples.jsonl")).catch(() => "");
        if (lines.split("\n").length > 3) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill("SIGKILL");
      await child.status;
    } finally {
      if (jobPid > 0) Deno.kill(jobPid, "SIGKILL");
      reader.releaseLock();
      await child.stdout.cancel();
      await child.stderr.cancel();
    }
    const log = await readLogDir(logDir);
    ok(log.samples.length >= 3);
    equal(log.summary.recomputed, true);
    equal(log.summary.samples, log.samples.length);
    equal(log.info.command.join(" "), "sh -c echo $$; exec sleep 30");
  });
});

Deno.test("--require-gpu refuses to start on a machine without that GPU", async () => {
  await withTemp(async (dir) => {
    const r = await runImpact(
      ["run", "--no-env", "--require-gpu", "name=~H100", "--", "sh", "-c", "echo started"],
      dir,
      isolatedEnv(dir),
    );
    equal(r.code, 4);
    match(
      r.stderr,
      /GPU requirement name=~H100 not met: no GPUs were found; the command was not started/,
    );
    equal(r.stdout, "");
  });
});

Deno.test("an explicit --log-dir holding a run is refused with exit code 2", async () => {
  await withTemp(async (dir) => {
    const logDir = join(dir, "log");
    const env = isolatedEnv(dir);
    equal(
      (await runImpact(["run", "--no-env", "--log-dir", logDir, "--", "true"], dir, env)).code,
      0,
    );
    const again = await runImpact(["run", "--no-env", "--log-dir", logDir, "--", "true"], dir, env);
    equal(again.code, 2);
    match(again.stderr, /already holds files/);
  });
});

const FAKE_SMI = fileURLToPath(new URL("../fixtures/fake-nvidia-smi", import.meta.url));

Deno.test("impact run -- sleep 5 over fake 2-socket RAPL and fake nvidia-smi reports the injected energy within 0.5%", async () => {
  await using dir = await tempDir();
  const rapl = await createFakeRapl(join(dir.path, "sys"), { sockets: 2, dram: true });
  rapl.setPower("package-0", 60);
  rapl.setPower("package-1", 40);
  rapl.setPower("dram-0", 6);
  rapl.setPower("dram-1", 4);
  const env = isolatedEnv(dir.path, {
    IMPACT_SYSFS_ROOT: rapl.root,
    IMPACT_NVIDIA_SMI: FAKE_SMI,
    FAKE_SMI_GPUS: "2",
    FAKE_SMI_POWER_W: "250,75",
  });
  const logDir = join(dir.path, "log");
  let log;
  let raplInjected: number;
  {
    await using ticker = rapl.startTicking(5);
    const r = await runImpact(
      ["run", "--no-env", "--log-dir", logDir, "--", "sleep", "5"],
      dir.path,
      env,
    );
    equal(r.code, 0, r.stderr);
    match(r.stderr, /cpu +package-0 +counter/);
    match(r.stderr, /gpu +gpu-1 +integrated/);
    log = await readLogDir(logDir);
    const first = log.samples[0]!;
    const last = log.samples.at(-1)!;
    const fromMs = Date.parse(first.t) - first.intervalSeconds * 1000;
    raplInjected = ticker.machineJoulesBetween(fromMs, Date.parse(last.t));
  }
  const seconds = log.samples.reduce((sum, s) => sum + s.intervalSeconds, 0);
  const gpuInjected = (250 + 75) * seconds;
  const injected = raplInjected + gpuInjected;
  const measured = log.summary.totals.machineEnergyJoules;
  ok(log.samples.length >= 3);
  ok(
    Math.abs(measured - injected) <= 0.005 * injected,
    `measured ${measured} J, injected ${injected} J (RAPL ${raplInjected}, GPUs ${gpuInjected})`,
  );
  deepEqual(
    log.summary.components.map((c) => c.device).toSorted(),
    ["dram-0", "dram-1", "gpu-0", "gpu-1", "package-0", "package-1"],
  );
  equal(log.info.gpus.length, 2);
  // sleep uses no CPU time and no GPU: the job's attributed share is small.
  ok(log.summary.totals.attributedEnergyJoules < 0.05 * measured);
  equal(log.summary.gpuSeconds, 0);
});

Deno.test("a sensor that fails mid-run leaves the command's exit code and records the gap", async () => {
  await using dir = await tempDir();
  const rapl = await createFakeRapl(join(dir.path, "sys"), { sockets: 1 });
  const env = isolatedEnv(dir.path, { IMPACT_SYSFS_ROOT: rapl.root });
  const counter = rapl.zones.find((z) => z.key === "package-0")!.energyPath;
  // The command itself takes the counter away for a while, then exits 3.
  const script =
    `mv '${counter}' '${counter}.gone'; sleep 1.2; mv '${counter}.gone' '${counter}'; sleep 0.8; exit 3`;
  const run = (logDir: string, ...flags: string[]) =>
    runImpact(
      [
        "run",
        "--no-env",
        "--interval",
        "0.2",
        ...flags,
        "--log-dir",
        logDir,
        "--",
        "sh",
        "-c",
        script,
      ],
      dir.path,
      env,
    );
  const lenient = await run(join(dir.path, "lenient"));
  equal(lenient.code, 3, lenient.stderr);
  match(lenient.stderr, /not measured: cpu package-0 for \d+\.\ds of \d+\.\ds/);
  match(lenient.stderr, /from \d\d:\d\d:\d\d UTC for \d+\.\ds: .*energy_uj/);
  const log = await readLogDir(join(dir.path, "lenient"));
  const gaps = log.summary.gaps ?? [];
  equal(gaps.length, 1, JSON.stringify(gaps));
  deepEqual([gaps[0]!.component, gaps[0]!.device], ["cpu", "package-0"]);
  match(gaps[0]!.reason, /energy_uj/);
  ok(gaps[0]!.seconds >= 0.4 && gaps[0]!.seconds <= 2.2, `${gaps[0]!.seconds} s`);
  equal(log.summary.components[0]!.unmeasuredSeconds, gaps[0]!.seconds);
  // Measured again after the gap.
  ok(log.samples.at(-2)!.devices.some((d) => d.device === "package-0"));
  equal(log.info.samplingError, undefined);

  const strict = await run(join(dir.path, "strict"), "--strict-sensors");
  equal(strict.code, 5, strict.stderr);
  match(
    strict.stderr,
    /--strict-sensors: 1 measurement gap\(s\) were recorded, so impact exits 5; the command itself exited 3/,
  );
});
