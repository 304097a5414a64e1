import { deepEqual, equal, ok } from "node:assert/strict";
import {
  isLogProblem,
  parseLogFile,
  parseSampleLine,
  runInfoProblem,
  sampleProblem,
  summaryProblem,
} from "../../lib/log/validate.ts";
import { duplicateKeyCheck, lineOfField } from "../../lib/log/json_keys.ts";
import type { RunSummary, SampleRecord } from "../../lib/log/schema.ts";
import { makeRun } from "../helpers/log_fixtures.ts";

const run = makeRun({ cpuWatts: 100, gpuWatts: [300], samples: 3, zone: "FR" });
const pretty = (value: unknown) => JSON.stringify(value, null, 2);

Deno.test("the records the writer produces pass, with the gap fields of the per-device contract", () => {
  equal(runInfoProblem(run.info), undefined);
  for (const sample of run.samples) equal(sampleProblem(sample), undefined);
  equal(summaryProblem(run.summary), undefined);
  const withGaps: SampleRecord = {
    ...run.samples[0]!,
    gaps: [{ component: "gpu", device: "gpu-1", reason: "GPU is lost" }],
  };
  equal(sampleProblem(withGaps), undefined);
  const summary: RunSummary = {
    ...run.summary,
    jobWallSeconds: 31,
    components: run.summary.components.map((c) => ({ ...c, unmeasuredSeconds: 0 })),
    gaps: [{
      component: "gpu",
      device: "gpu-1",
      reason: "GPU is lost",
      from: "2024-03-01T12:00:10.000Z",
      to: "2024-03-01T12:00:20.000Z",
      seconds: 10,
    }],
  };
  equal(summaryProblem(summary), undefined);
  // The gap fields are checked too.
  deepEqual(summaryProblem({ ...summary, gaps: [{ ...summary.gaps![0]!, seconds: -1 }] }), {
    field: "gaps[0].seconds",
    problem: "is -1; it cannot be negative",
  });
  deepEqual(summaryProblem({ ...summary, jobWallSeconds: "31" }), {
    field: "jobWallSeconds",
    problem: 'is a string ("31"), not a number',
  });
  deepEqual(sampleProblem({ ...withGaps, gaps: [{ component: "gpu", device: "gpu-1" }] }), {
    field: "gaps[0].reason",
    problem: "is missing",
  });
});

Deno.test("the issue's values are refused with their field: negative, string, 1e400, impossible shares", () => {
  const sample = run.samples[0]!;
  const device = sample.devices[0]!;
  const cases: [unknown, string, string][] = [
    [{ ...sample, intervalSeconds: -10 }, "intervalSeconds", "is -10; it cannot be negative"],
    [
      { ...sample, devices: [{ ...device, powerWatts: "100" }] },
      "devices[0].powerWatts",
      'is a string ("100"), not a number',
    ],
    [
      {
        ...sample,
        devices: [{ ...device, attributedEnergyJoules: 2 * device.machineEnergyJoules }],
      },
      "devices[0].attributedEnergyJoules",
      `is ${
        2 * device.machineEnergyJoules
      }, more than the device's machineEnergyJoules ${device.machineEnergyJoules}`,
    ],
    [{ ...sample, cpu: { ...sample.cpu, jobShare: 1.5 } }, "cpu.jobShare", "is 1.5, above 1"],
    [
      { ...sample, devices: [{ ...device, component: "fpga" }] },
      "devices[0].component",
      'is a string ("fpga"), not one of cpu, dram, gpu, psys, node',
    ],
    [{ ...sample, t: "yesterday" }, "t", 'is a string ("yesterday"), not an ISO 8601 time'],
  ];
  for (const [value, field, problem] of cases) deepEqual(sampleProblem(value), { field, problem });
  // 1e400 only exists as text: JSON.parse reads it as Infinity.
  const line = JSON.stringify(sample).replace(
    `"machineEnergyJoules":${device.machineEnergyJoules}`,
    '"machineEnergyJoules":1e400',
  );
  deepEqual(parseSampleLine(line), {
    field: "devices[0].machineEnergyJoules",
    problem: "is Infinity, not a finite number",
  });
  deepEqual(summaryProblem({ ...run.summary, durationSeconds: -360000 }), {
    field: "durationSeconds",
    problem: "is -360000; it cannot be negative",
  });
  deepEqual(runInfoProblem({ ...run.info, options: { intervalSeconds: 0 } }), {
    field: "options.intervalSeconds",
    problem: "is 0; it must be above 0",
  });
  deepEqual(
    runInfoProblem({
      ...run.info,
      region: { source: "--cloud", cloud: { provider: "aws", region: "x", pue: 0.5 } },
    }),
    { field: "region.cloud.pue", problem: "is 0.5, below 1" },
  );
});

Deno.test("a whole file's problem names the file, the line and the field", () => {
  const { totals: _, ...withoutTotals } = run.summary;
  equal(
    parseLogFile("summary.json", "r/summary.json", pretty(withoutTotals)).error,
    'r/summary.json:1: field "totals" is missing',
  );
  const negative = pretty({
    ...run.summary,
    totals: { ...run.summary.totals, attributedEnergyJoules: -5.7e7 },
  });
  const line = negative.split("\n").findIndex((l) => l.includes("-57000000")) + 1;
  equal(
    parseLogFile("summary.json", "r/summary.json", negative).error,
    `r/summary.json:${line}: field "totals.attributedEnergyJoules" is -57000000; it cannot be negative`,
  );
  equal(
    parseLogFile("impact.json", "r/impact.json", "[1, 2]").error,
    "r/impact.json:1: not a JSON object",
  );
  const newer = parseLogFile(
    "impact.json",
    "r/impact.json",
    pretty({ ...run.info, schemaVersion: 2 }),
  );
  equal(newer.newer, true);
  ok(newer.error?.endsWith("upgrade impact"));
  equal(parseLogFile("impact.json", "r/impact.json", pretty(run.info)).error, undefined);
});

Deno.test("a key written twice is refused with the line of its second occurrence", () => {
  const text = pretty(run.summary).replace(
    /"durationSeconds": (\d+),/,
    '"durationSeconds": $1,\n  "durationSeconds": 6000000,',
  );
  equal(
    parseLogFile("summary.json", "r/summary.json", text).error,
    'r/summary.json:6: field "durationSeconds" is written twice (JSON readers disagree on which counts)',
  );
  const line = JSON.stringify(run.samples[0]).replace(
    '"jobBytes":',
    '"jobBytes":1,"jobBytes":',
  );
  deepEqual(parseSampleLine(line), {
    field: "memory.jobBytes",
    problem: "is written twice (JSON readers disagree on which counts)",
  });
});

Deno.test("the duplicate check is not fooled by strings that look like keys", () => {
  const texts = [
    '{"a": ": not a key", "b": 1}',
    '{"a": "quote \\": inside", "b": "\\\\"}',
    '{"a\\"": 1, "a": 2}',
    '{"x": [{"a": 1}, {"a": 2}], "y": {"a": {"a": 3}}}',
  ];
  for (const text of texts) equal(duplicateKeyCheck(text, JSON.parse(text)), undefined, text);
  const nested = '{"x": [{"a": 1}, {"a": 2,\n"a": 3}]}';
  deepEqual(duplicateKeyCheck(nested, JSON.parse(nested)), { field: "x[1].a", line: 2 });
});

Deno.test("lineOfField finds a field, or the object that should hold a missing one", () => {
  const text = '{\n  "a": {\n    "b": [\n      1,\n      {"c": 2}\n    ]\n  }\n}';
  equal(lineOfField(text, "a.b[1].c"), 5);
  equal(lineOfField(text, "a.b"), 3);
  equal(lineOfField(text, "a.missing"), 2);
  equal(lineOfField(text, "missing"), 1);
});

Deno.test("parseSampleLine returns the record or a problem, never throws", () => {
  const good = parseSampleLine(JSON.stringify(run.samples[0]));
  ok(!isLogProblem(good));
  equal(good.t, run.samples[0]!.t);
  for (const line of ["", "{", "null", "[]", '"x"', "1e400", "{}", '{"t": []}']) {
    ok(isLogProblem(parseSampleLine(line)), line);
  }
});
