import { equal, match, ok } from "node:assert/strict";
import { formatCarbon, formatEnergy, formatSummary } from "../../lib/run/report.ts";
import { summarizeSamples } from "../../lib/log/summarize.ts";
import { runInfo, sampleAt } from "../helpers/log_records.ts";

Deno.test("summary shows energy per component with its method, totals and power", () => {
  const samples = [sampleAt("2026-01-01T00:00:01Z", 1, 100, 200, 0.5)];
  const summary = summarizeSamples(samples, {
    start: "2026-01-01T00:00:00Z",
    end: "2026-01-01T00:00:01Z",
    exitCode: 0,
    attribution: "cpu-time-share",
  });
  const text = formatSummary(summary, runInfo(), "/logs/run");
  match(text, /sleep 3 exited 0 after 1\.0s/);
  // 100 W for 1 s is 100 J (0.0000278 kWh), half of it the job's.
  match(text, /cpu +package-0 +counter +100 J +50\.0 J/);
  match(text, /gpu +gpu-0 +integrated/);
  match(text, /total +300 J/);
  match(text, /mean 300\.0 W, peak 300\.0 W; job share by cpu-time-share/);
  match(text, /log: \/logs\/run/);
  ok(!/estimate/.test(text));
});

/** A 10 s run whose only CPU figure (50 W) was estimated. */
function estimatedCpuSummary() {
  const s = sampleAt("2026-01-01T00:00:01Z", 10, 50, 0, 1);
  s.devices[0]!.method = "estimate";
  return summarizeSamples([s], {
    start: "2026-01-01T00:00:00Z",
    end: "2026-01-01T00:00:10Z",
    exitCode: 0,
    attribution: "cpu-time-share",
  });
}

Deno.test("summary says in words when energy was estimated", () => {
  const summary = estimatedCpuSummary();
  match(
    formatSummary(summary, runInfo(), "x"),
    /note: cpu package-0 estimated from TDP x utilisation/,
  );
});

Deno.test("summary says when the CPU model was unknown and a generic figure was used", () => {
  const summary = estimatedCpuSummary();
  const info = runInfo();
  info.sensors.push({
    sensor: "estimate",
    available: true,
    methods: ["estimate"],
    devices: ["package-0"],
    detail: { model: "AMD EPYC", generic: true, minWattsPerThread: 0.74, maxWattsPerThread: 3.5 },
  });
  const text = formatSummary(summary, info, "x");
  match(text, /estimated from a generic per-thread power x utilisation/);
  match(
    text,
    /CPU model \(AMD EPYC\) is unknown to the TDP table, so a generic 0\.74-3\.5 W per thread/,
  );
});

Deno.test("energy is printed in J, Wh or kWh by its size, with three significant figures", () => {
  equal(formatEnergy(0), "0 J");
  equal(formatEnergy(22.2222), "22.2 J");
  equal(formatEnergy(3599), "3599 J");
  equal(formatEnergy(3600), "1.00 Wh");
  equal(formatEnergy(22_212), "6.17 Wh");
  equal(formatEnergy(3_600_000 * 2.5), "2.50 kWh");
  equal(formatEnergy(3_600_000 * 12_345.6), "12346 kWh");
});

Deno.test("carbon is printed in g below 1 kg and in kg from there", () => {
  equal(formatCarbon(0), "0 g CO2e");
  equal(formatCarbon(3.123), "3.12 g CO2e");
  equal(formatCarbon(999), "999 g CO2e");
  equal(formatCarbon(1400), "1.40 kg CO2e");
});
