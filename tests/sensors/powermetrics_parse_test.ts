import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { readFixture } from "../helpers/fixture_files.ts";
import { parsePowermetrics, PowermetricsParser } from "../../lib/sensors/powermetrics_parse.ts";

const fixture = readFixture;

Deno.test("macOS 13+ output: CPU, GPU, ANE and Combined power per sample, GPU once", async () => {
  const samples = parsePowermetrics(await fixture("powermetrics_m2_macos14.txt"));
  deepEqual(samples, [
    {
      elapsedMs: 1002.5,
      time: "Mon Mar  3 09:15:40 2025 +0200",
      cpuWatts: 3.12,
      gpuWatts: 0.41,
      aneWatts: 0,
      combinedWatts: 3.53,
    },
    {
      elapsedMs: 997.5,
      time: "Mon Mar  3 09:15:41 2025 +0200",
      cpuWatts: 1.88,
      gpuWatts: 0.095,
      aneWatts: 0.012,
      combinedWatts: 1.987,
    },
  ]);
});

Deno.test("macOS 12 output: DRAM and Package power, cluster powers ignored", async () => {
  const samples = parsePowermetrics(await fixture("powermetrics_m1_macos12.txt"));
  equal(samples.length, 3);
  deepEqual(samples[0], {
    elapsedMs: 250,
    time: "Tue Feb  4 10:20:30 2025 -0500",
    aneWatts: 0,
    dramWatts: 0.31,
    cpuWatts: 1.1,
    gpuWatts: 0.24,
    packageWatts: 1.65,
  });
  // CPU energy over the three windows: 1.1 x 0.25 + 0.3 x 0.25 + 0.1 x 0.5 J.
  const cpuJoules = samples.reduce((sum, s) => sum + s.cpuWatts! * s.elapsedMs / 1000, 0);
  ok(Math.abs(cpuJoules - 0.4) < 1e-12);
});

Deno.test("the streaming parser completes a sample at its Combined line", () => {
  const parser = new PowermetricsParser();
  deepEqual(
    parser.push(
      "*** Sampled system activity (Tue Feb  4 10:20:30 2025 -0500) (101.25ms elapsed) ***",
    ),
    [],
  );
  deepEqual(parser.push("CPU Power: 640 mW"), []);
  deepEqual(parser.push("Combined Power (CPU + GPU + ANE): 700 mW"), [
    {
      elapsedMs: 101.25,
      time: "Tue Feb  4 10:20:30 2025 -0500",
      cpuWatts: 0.64,
      combinedWatts: 0.7,
    },
  ]);
  deepEqual(parser.push("GPU Power: 60 mW"), []);
  deepEqual(parser.end(), []);
});

Deno.test("a broken power value names the line and the field", () => {
  const text = "*** Sampled system activity (x) (100ms elapsed) ***\nCPU Power: lots mW\n";
  throws(
    () => parsePowermetrics(text),
    /powermetrics line 2: CPU Power "lots" is not a decimal number of at least 0/,
  );
});

Deno.test("negative, hex and exponent powers and times are parse errors", () => {
  const header = (ms: string) => `*** Sampled system activity (x) (${ms}ms elapsed) ***\n`;
  for (const value of ["-5", "0x10", "1e3", "Infinity"]) {
    throws(
      () => parsePowermetrics(header("100") + `CPU Power: ${value} mW\n`),
      new RegExp(`line 2: CPU Power "${value}" is not a decimal number of at least 0`),
    );
  }
  throws(() => parsePowermetrics(header("-100")), /line 1: elapsed time "-100" is not a decimal/);
  throws(() => parsePowermetrics(header("1e3")), /line 1: elapsed time "1e3" is not a decimal/);
});
