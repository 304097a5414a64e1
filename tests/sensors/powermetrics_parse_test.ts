import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { readFixture } from "../helpers/fixture_files.ts";
import { readCapture } from "../helpers/captures.ts";
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

Deno.test("a real M1 capture (macOS 12, codecarbon's): ten samples with Package and DRAM power", async () => {
  const capture = await readCapture("powermetrics_cpu_power_m1_macos12_codecarbon.txt");
  const samples = parsePowermetrics(capture.blocks[0]!.text);
  equal(samples.length, 10);
  deepEqual(samples[0], {
    elapsedMs: 104.51,
    time: "Fri Nov 10 12:37:08 2023 +0100",
    aneWatts: 0,
    dramWatts: 0.22,
    cpuWatts: 0.947,
    gpuWatts: 0.153,
    packageWatts: 1.473,
  });
  deepEqual(samples.slice(1, 3).map((s) => [s.elapsedMs, s.cpuWatts, s.packageWatts]), [
    [104.81, 0.42, 0.773],
    [105.93, 0.208, 0.396],
  ]);
});

Deno.test("a real M3 capture (macOS 15): CPU 125 mW, GPU 0 mW printed twice, Combined 125 mW", async () => {
  const capture = await readCapture("powermetrics_cpu_gpu_m3_macos15_idle.txt");
  deepEqual(parsePowermetrics(capture.text), [{
    elapsedMs: 1003.4,
    time: "Tue Dec  9 12:55:37 2025 -0600",
    cpuWatts: 0.125,
    gpuWatts: 0,
    aneWatts: 0,
    combinedWatts: 0.125,
  }]);
});

Deno.test("Intel Macs: the package power line parses, its value touching its unit", async () => {
  const capture = await readCapture("powermetrics_intel_mac_SYNTHESIZED.txt");
  const samples = parsePowermetrics(capture.text);
  deepEqual(samples.map((s) => [s.elapsedMs, s.intelPackageWatts]), [
    [1004.12, 48.61],
    [998.3, 1.56],
  ]);
  // Nothing else on those machines reads as a power.
  deepEqual(samples.map((s) => Object.keys(s).toSorted()), [
    ["elapsedMs", "intelPackageWatts", "time"],
    ["elapsedMs", "intelPackageWatts", "time"],
  ]);
});
