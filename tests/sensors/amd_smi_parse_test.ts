import { deepEqual, equal, throws } from "node:assert/strict";
import {
  amdSmiCsvStream,
  amdSmiNumber,
  parseAmdSmiGpus,
  parseAmdSmiJson,
  parseAmdSmiMetricJson,
} from "../../lib/sensors/amd_smi_parse.ts";
import { blockAfter, readCapture } from "../helpers/captures.ts";

/** A capture's JSON with its "[...]" trim marks taken out (and the commas they leave dangling). */
function untrimmed(text: string): string {
  return text.split("\n").filter((l) => l.trim() !== "[...]").join("\n").replace(
    /,(\s*[}\]])/g,
    "$1",
  );
}

Deno.test("metric --watch --csv: the MI210 capture's rounds, each with its header", async () => {
  const capture = await readCapture("amd-smi_metric_energy_mi100_mi210_text_csv.txt");
  const block = blockAfter(capture, /^--- MI210/).text.split("\n");
  const from = block.findIndex((l) => l.startsWith("$ amd-smi metric -E -w 1"));
  const stream = amdSmiCsvStream();
  const rows = block.slice(from + 1).map((l, i) => stream.line(l, i + 1)).filter((r) => r);
  equal(rows.length, 8);
  deepEqual(rows.slice(0, 2), [
    { index: 0, energyJoules: 20909145.914 },
    { index: 1, energyJoules: 21111595.33 },
  ]);
  // GPU 0 gained 42.664 J in the first second: about 43 W.
  equal(Math.round((rows[2]!.energyJoules! - rows[0]!.energyJoules!) * 1000), 42664);
});

Deno.test("metric --csv: power columns, N/A, quoted fields, and rows that do not fit", () => {
  const stream = amdSmiCsvStream();
  equal(
    stream.line(
      "timestamp,gpu,socket_power,gfx_voltage,vcn_activity,total_energy_consumption",
      1,
    ),
    undefined,
  );
  deepEqual(stream.line("1722959154,0,133,N/A,\"[0, 'N/A']\",5104503354.501", 2), {
    index: 0,
    socketWatts: 133,
    energyJoules: 5104503354.501,
  });
  deepEqual(stream.line("1722959154,1,N/A,N/A,N/A,N/A", 3), { index: 1 });
  throws(
    () => stream.line("1722959154,1,5", 4),
    /amd-smi metric --csv: line 4: 3 fields where the header has 6/,
  );
  throws(() => amdSmiCsvStream().line("1722959154,0,1", 1), /line 1: a data row before any header/);
});

Deno.test("JSON: the array root (ROCm 6.1) and the gpu_data root after Python warnings", async () => {
  const capture = await readCapture("amd-smi_metric_json_power_usage_radeon_instinct.txt");
  const array = blockAfter(capture, /^--- \(a\) ROCm 6\.1\.0/).text.split("\n").slice(1).join("\n");
  deepEqual(parseAmdSmiMetricJson(array), [{ index: 0, socketWatts: 10 }]);
  const synthesized = await readCapture("amd-smi_metric_power_energy_json_SYNTHESIZED.txt");
  const older = blockAfter(synthesized, /^--- older releases/).text;
  deepEqual(parseAmdSmiMetricJson(older), [
    { index: 0, socketWatts: 43, energyJoules: 20909145.914 },
    { index: 1 }, // power and energy "N/A"
  ]);
  const newer = blockAfter(synthesized, /^--- newer releases/).text;
  deepEqual(parseAmdSmiMetricJson(`SyntaxWarning: 'return' in a 'finally' block\n${newer}`), [
    { index: 0, socketWatts: 43, energyJoules: 20909145.914 },
  ]);
  throws(() => parseAmdSmiJson("no GPUs\n", "amd-smi list"), /amd-smi list: no JSON document/);
  throws(() => parseAmdSmiJson('{"cpu_data": []}', "amd-smi list"), /neither an array nor/);
});

Deno.test("static --json: the MI210's name, device id, socket power limit and its highest", async () => {
  const capture = await readCapture("amd-smi_static_json_mi210.txt");
  const list =
    '[{"gpu": 0, "bdf": "0000:C1:00.0", "uuid": "e4ff740f-0000-1000-80a1-0b4bbae0c1f4", "kfd_id": 5027, "node_id": 2, "partition_id": 0}]';
  deepEqual(parseAmdSmiGpus(list, untrimmed(capture.blocks[0]!.text)), [{
    index: 0,
    bdf: "0000:c1:00.0",
    uuid: "e4ff740f-0000-1000-80a1-0b4bbae0c1f4",
    kfdId: 5027,
    partitionId: 0,
    name: "AMD Instinct MI210",
    deviceId: "740f",
    powerLimitWatts: 300,
    maxPowerLimitWatts: 300,
  }]);
});

Deno.test("numbers come bare, as strings or with their unit; N/A is none", () => {
  deepEqual(
    [
      amdSmiNumber(9),
      amdSmiNumber("9.5"),
      amdSmiNumber({ value: 706, unit: "mV" }),
      amdSmiNumber("N/A"),
    ],
    [9, 9.5, 706, undefined],
  );
});
