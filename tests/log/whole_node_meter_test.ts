import { deepEqual, equal, match, ok } from "node:assert/strict";
import { attributeDevices } from "../../lib/sampler/attribution.ts";
import { addSample, emptySummaryState, finishSummary } from "../../lib/log/summarize.ts";
import { exactEnergy } from "../../lib/accounting/figures.ts";
import { addSampleLine, createJobTimeline } from "../../lib/accounting/job_timeline.ts";
import {
  createMetricsTotals,
  impactMetricFamilies,
  renderExposition,
} from "../../lib/report/prometheus.ts";
import type { SampleRecord } from "../../lib/log/schema.ts";
import type { DeviceEnergy } from "../../lib/types.ts";

const reading = (component: DeviceEnergy["component"], device: string): DeviceEnergy => ({
  component,
  device,
  method: component === "node" || device.startsWith("amd") ? "integrated" : "counter",
  energyJoules: 0,
});

/** One second of an x86 node: zenergy, an MI250X's two dies, an Arc card and the wall meter. */
function sample(method: "cpu-time-share" | "whole-machine"): SampleRecord {
  const deltas = [
    { reading: reading("cpu", "package-0"), energyJoules: 80, seconds: 1 },
    { reading: reading("gpu", "amd-gpu-0"), energyJoules: 200, seconds: 1 },
    { reading: reading("gpu", "amd-gpu-1"), energyJoules: 200, seconds: 1 },
    { reading: reading("gpu", "intel-gpu-0"), energyJoules: 150, seconds: 1 },
    { reading: reading("node", "power-meter-0"), energyJoules: 700, seconds: 1 },
  ];
  return {
    t: "2026-01-01T00:00:01.000Z",
    intervalSeconds: 1,
    devices: attributeDevices(deltas, method, 0.5, new Map([["amd-gpu-1", 1]])),
    cpu: { jobShare: 0.5, jobCpuSeconds: 0.5, utilization: 0.5 },
    memory: { jobBytes: 0, kind: "rss" },
  };
}

Deno.test("a whole-node meter is listed beside the components and never added: not to the totals, the peak, or the job", () => {
  for (const method of ["cpu-time-share", "whole-machine"] as const) {
    const record = sample(method);
    const node = record.devices.find((d) => d.component === "node")!;
    deepEqual([node.machineEnergyJoules, node.attributedEnergyJoules], [700, 0]);
    const summary = finishSummary(addSample(emptySummaryState(1), record), {
      start: "2026-01-01T00:00:00.000Z",
      end: "2026-01-01T00:00:01.000Z",
      exitCode: 0,
      attribution: method,
    });
    equal(summary.totals.machineEnergyJoules, 630);
    equal(summary.power.peakWatts, 630);
    equal(summary.components.find((c) => c.device === "power-meter-0")!.machineEnergyJoules, 700);
    const share = method === "whole-machine" ? 630 : 40 + 200;
    equal(summary.totals.attributedEnergyJoules, share);
    equal(exactEnergy(summary, 1).componentJoules.gpu, method === "whole-machine" ? 550 : 200);
  }
});

Deno.test("the job timeline reads a samples.jsonl line with a node meter, adding nothing for it", () => {
  const builder = createJobTimeline();
  equal(addSampleLine(builder, JSON.stringify(sample("cpu-time-share"))), 240);
  const timeline = builder.finish();
  equal(timeline.joules.node[0], 0);
  equal(timeline.joules.gpu[0], 200);
});

Deno.test("Prometheus carries the new devices with their methods; the node meter in the machine family only", () => {
  const totals = createMetricsTotals({ intensityGramsPerKwh: 360 });
  totals.add(sample("cpu-time-share"));
  const text = renderExposition(impactMetricFamilies(totals, { host: "n1" }));
  match(
    text,
    /impact_machine_energy_joules_total\{host="n1",component="gpu",device="amd-gpu-1",method="integrated"\} 200/,
  );
  match(
    text,
    /impact_machine_energy_joules_total\{host="n1",component="node",device="power-meter-0",method="integrated"\} 700/,
  );
  match(
    text,
    /impact_energy_joules_total\{host="n1",component="node",device="power-meter-0",method="integrated"\} 0/,
  );
  match(text, /# HELP impact_machine_energy_joules_total .*component="node" is a whole-node meter/);
  // Carbon counts the job's 240 J, not the wall meter's 700.
  ok(Math.abs(totals.carbonGrams - (240 / 3.6e6) * 360) < 1e-9);
});
