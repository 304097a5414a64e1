/**
 * Fuzzing the log readers (issue 12, item 3): samples.jsonl lines, impact.json and summary.json
 * mutated from the writer's own records, read by lib/log's reader (on an in-memory file
 * system), by readLogs' accounting and by the job timeline's line reader. Whatever is read must
 * hold no non-finite number and no negative energy, power, duration or size, and the figures
 * must be finite and non-negative.
 *
 * @module
 */
import { join } from "node:path";
import { fuzz, oneOf } from "./fuzz.ts";
import { makeRun } from "../helpers/log_fixtures.ts";
import {
  isLogProblem,
  LogFormatError,
  parseLogFile,
  parseSampleLine,
} from "../../lib/log/validate.ts";
import { readLogDir, readSamples } from "../../lib/log/read.ts";
import { denoRuntime, type Runtime } from "../../lib/runtime.ts";
import { LogsInputError, readLogs } from "../../lib/accounting/read_logs.ts";
import { addSampleLine, createJobTimeline } from "../../lib/accounting/job_timeline.ts";
import type { ZoneIntensity } from "../../lib/geo/types.ts";

const COUNT = 3_000;

type Json = Record<string, unknown>;
const pick = (value: unknown, keys: string[]): Json | undefined => {
  if (typeof value !== "object" || value === null) return undefined;
  return Object.fromEntries(keys.filter((k) => k in value).map((k) => [k, (value as Json)[k]]));
};
const list = (value: unknown, keys: string[]) =>
  Array.isArray(value) ? value.map((item) => pick(item, keys)) : value;
const ENERGY = ["machineEnergyJoules", "attributedEnergyJoules"];

/**
 * The fields the schema names (a mutated key such as "powyJoules" is a field no reader uses:
 * the schema allows unknown fields, so a newer writer's additions still read).
 */
function knownSample(sample: unknown) {
  const s = sample as Json;
  return {
    ...pick(s, ["t", "intervalSeconds"]),
    devices: list(s.devices, [...ENERGY, "powerWatts", "utilization", "memoryUsedBytes"]),
    cpu: pick(s.cpu, ["jobShare", "jobCpuSeconds", "utilization"]),
    memory: pick(s.memory, ["jobBytes"]),
    intensity: pick(s.intensity, ["gramsPerKwh"]),
  };
}

function knownSummary(summary: unknown) {
  const s = summary as Json;
  return {
    ...pick(s, [
      "durationSeconds",
      "jobWallSeconds",
      "exitCode",
      "cpuSeconds",
      "gpuSeconds",
      "samples",
    ]),
    components: list(s.components, [...ENERGY, "unmeasuredSeconds"]),
    totals: pick(s.totals, [...ENERGY, "measuredEnergyJoules", "estimatedEnergyJoules"]),
    power: pick(s.power, ["meanWatts", "peakWatts"]),
    gaps: list(s.gaps, ["seconds"]),
  };
}

function knownInfo(info: unknown) {
  const s = info as Json;
  const region = s.region as Json | undefined;
  return {
    options: pick(s.options, ["intervalSeconds"]),
    cpu: pick(s.cpu, ["sockets", "cores", "threads", "memoryTotalBytes"]),
    gpus: list(s.gpus, ["index", "powerLimitWatts"]),
    region: pick(region, ["latitude", "longitude"]),
    intensity: pick(region?.intensity, ["gramsPerKwh", "year"]),
    live: pick(region?.live, ["everySeconds", "polls", "failures"]),
  };
}
const records = [
  makeRun({ cpuWatts: 100, gpuWatts: [300], samples: 4, zone: "FR", liveIntensities: [50, 60] }),
  makeRun({ cpuWatts: 40, dramWatts: 5, samples: 3, attributedShare: 0.5, cpuMethod: "estimate" }),
];
const sampleLines = records.flatMap((r) => r.samples.map((s) => JSON.stringify(s)));
const infos = records.map((r) => JSON.stringify(r.info, null, 2));
const summaries = records.map((r) => JSON.stringify(r.summary, null, 2));

Deno.test("fuzz: samples.jsonl lines, impact.json and summary.json through the schema", async () => {
  await fuzz({
    seed: 1220,
    count: COUNT,
    seeds: sampleLines,
    parse: (line) => {
      const result = parseSampleLine(line);
      return isLogProblem(result) ? result : knownSample(result);
    },
    refuses: () => false,
  });
  await fuzz({
    seed: 1221,
    count: COUNT,
    seeds: infos,
    parse: (text) => {
      const read = parseLogFile("impact.json", "impact.json", text);
      return read.value ? knownInfo(read.value) : read;
    },
    refuses: () => false,
  });
  await fuzz({
    seed: 1222,
    count: COUNT,
    seeds: summaries,
    parse: (text) => {
      const read = parseLogFile("summary.json", "summary.json", text);
      return read.value ? knownSummary(read.value) : read;
    },
    refuses: () => false,
  });
});

/** One log directory in memory: the three files, as text. */
function memoryRuntime(files: Record<string, string>): Runtime {
  return {
    ...denoRuntime,
    readTextFile: (path) =>
      path in files
        ? Promise.resolve(files[path]!)
        : Promise.reject(new Deno.errors.NotFound(`No such file: ${path}`)),
  };
}

const zone = (grams: number): ZoneIntensity => ({
  zone: "FR",
  country: "FRA",
  year: 2024,
  intensityGramsPerKwh: grams,
  source: "fuzz",
  licence: "fuzz",
});

Deno.test("fuzz: whole log directories through readLogDir and readLogs", async () => {
  const dir = "/fuzz/run";
  const texts = records.map((r) =>
    [
      JSON.stringify(r.info),
      r.samples.map((s) => JSON.stringify(s)).join("\n") + "\n",
      JSON.stringify(r.summary),
    ].join("\u0001")
  );
  const files = (text: string) => {
    const [info = "", samples = "", summary] = text.split("\u0001");
    return {
      [join(dir, "impact.json")]: info,
      [join(dir, "samples.jsonl")]: samples,
      ...(summary === undefined ? {} : { [join(dir, "summary.json")]: summary }),
    };
  };
  await fuzz({
    seed: 1223,
    count: COUNT,
    seeds: texts,
    parse: async (text) => {
      const log = await readLogDir(dir, memoryRuntime(files(text)));
      return { samples: log.samples.map(knownSample), summary: knownSummary(log.summary) };
    },
    refuses: oneOf(LogFormatError),
  });
  let samplesMode: "always" | "when-needed" = "always";
  await fuzz({
    seed: 1224,
    count: 1_500,
    seeds: texts,
    parse: async (text) => {
      const runtime = memoryRuntime(files(text));
      samplesMode = samplesMode === "always" ? "when-needed" : "always";
      const logs = await readLogs([dir], {
        intensity: () => zone(50),
        countryIntensity: () => zone(480),
        readSamples: samplesMode,
        logs: {
          findLogDirs: () => Promise.resolve([dir]),
          readLogDir: (d) => readLogDir(d, runtime),
          readSamples: (d, warnings) => readSamples(d, runtime, warnings),
          readTextFile: (path) => runtime.readTextFile(path),
        },
      });
      return {
        total: logs.total,
        runs: logs.runs.map(({ info: _, summary: __, ...figures }) => figures),
      };
    },
    refuses: oneOf(LogsInputError),
  });
});

Deno.test("fuzz: the job timeline's line reader", async () => {
  await fuzz({
    seed: 1225,
    count: COUNT,
    seeds: sampleLines,
    parse: (line) => {
      const builder = createJobTimeline();
      const joules = addSampleLine(builder, line);
      const timeline = builder.finish();
      return { joules, buckets: Object.values(timeline.joules).map((a) => [...a]) };
    },
    refuses: oneOf(SyntaxError),
  });
});
