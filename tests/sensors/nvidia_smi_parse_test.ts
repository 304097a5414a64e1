import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { readFixture } from "../helpers/fixture_files.ts";
import {
  failureReason,
  fatalPlaceholder,
  isPlaceholder,
  numberField,
  parseCell,
  parseComputeApps,
  parseCsvHeader,
  parseCsvRow,
  parseCsvTable,
  parseSmiVersion,
  parseSmiXml,
  textField,
  unknownField,
} from "../../lib/sensors/nvidia_smi_parse.ts";

const fixture = readFixture;

Deno.test("parseCell reads plain decimals and leaves near-numbers as text", () => {
  deepEqual(
    ["250.5", "-3", "0", "1.", ".5", "1e3", "-", "0x10", "12 W"].map(parseCell),
    [250.5, -3, 0, "1.", ".5", "1e3", "-", "0x10", 12],
  );
});

Deno.test("parseCell reads numbers with and without units, keeps placeholders and text", () => {
  equal(parseCell("287.41"), 287.41);
  equal(parseCell("287.41 W"), 287.41);
  equal(parseCell("97 %"), 97);
  equal(parseCell("40321 MiB"), 40321);
  equal(
    parseCell("GPU-0a1b2c3d-aaaa-bbbb-cccc-000000000001"),
    "GPU-0a1b2c3d-aaaa-bbbb-cccc-000000000001",
  );
  equal(parseCell("550.54.15"), "550.54.15");
  for (const text of ["[N/A]", "[Not Supported]", "[Unknown Error]", "[GPU is lost]"]) {
    deepEqual(parseCell(text), { placeholder: text });
  }
  deepEqual(parseCell("N/A"), { placeholder: "[N/A]" });
});

Deno.test("parseCsvHeader keeps units even when values have none", () => {
  deepEqual(parseCsvHeader("index, power.draw [W], utilization.gpu [%], memory.used [MiB], name"), [
    { field: "index" },
    { field: "power.draw", unit: "W" },
    { field: "utilization.gpu", unit: "%" },
    { field: "memory.used", unit: "MiB" },
    { field: "name" },
  ]);
});

Deno.test("a placeholder in one field leaves the others readable", () => {
  const fields = ["index", "uuid", "power.draw", "utilization.gpu", "memory.used"];
  const row = parseCsvRow("3, GPU-abc, 211.07, [N/A], [Not Supported]", fields);
  equal(numberField(row, "index"), 3);
  equal(textField(row, "uuid"), "GPU-abc");
  equal(numberField(row, "power.draw"), 211.07);
  equal(numberField(row, "utilization.gpu"), undefined);
  ok(isPlaceholder(row.get("memory.used")));
  equal(fatalPlaceholder(row), undefined);
  equal(fatalPlaceholder(parseCsvRow("3, GPU-abc, [GPU is lost], 0, 0", fields)), "[GPU is lost]");
});

Deno.test("a row with the wrong field count names the line and the fields", () => {
  throws(
    () => parseCsvRow("0, 12.5", ["index", "power.draw", "utilization.gpu"], "nvidia-smi -lms", 7),
    /nvidia-smi -lms line 7: expected 3 fields \(index,power.draw,utilization.gpu\) but found 2/,
  );
});

Deno.test("parseCsvTable skips a header, units and blank lines", async () => {
  const text = await fixture("gpu_query_units.csv");
  const fields = ["index", "uuid", "name", "power.draw", "utilization.gpu", "memory.used"];
  const rows = parseCsvTable(text, fields);
  equal(rows.length, 3);
  equal(numberField(rows[0]!, "power.draw"), 61.3);
  equal(textField(rows[1]!, "name"), "NVIDIA L40S");
  equal(numberField(rows[2]!, "utilization.gpu"), undefined);
  equal(numberField(rows[2]!, "power.draw"), 312.9);
});

Deno.test("parseComputeApps reads pids per GPU, and nothing from an idle machine", async () => {
  deepEqual(parseComputeApps(await fixture("gpu_compute_apps.csv")), [
    { gpuUuid: "GPU-7d1c0000-1111-2222-3333-000000000000", pid: 20417, usedMemoryMiB: 30112 },
    { gpuUuid: "GPU-7d1c0000-1111-2222-3333-000000000002", pid: 20417, usedMemoryMiB: 29870 },
    { gpuUuid: "GPU-7d1c0000-1111-2222-3333-000000000002", pid: 20533 },
  ]);
  deepEqual(parseComputeApps(""), []);
  deepEqual(parseComputeApps("gpu_uuid, pid, used_gpu_memory [MiB]\n"), []);
});

Deno.test("parseSmiXml finds versions and the power limit in old and new driver layouts", async () => {
  const old = parseSmiXml(await fixture("gpu_q_x_driver470.xml"));
  equal(old.driverVersion, "470.199.02");
  equal(old.cudaVersion, "11.4");
  deepEqual(old.gpus, [
    {
      name: "Tesla V100-PCIE-16GB",
      uuid: "GPU-4c2a0000-aaaa-bbbb-cccc-000000000000",
      minorNumber: 0,
      powerLimitWatts: 250,
      powerDrawWatts: 38.12,
    },
  ]);
  const modern = parseSmiXml(await fixture("gpu_q_x_driver580.xml"));
  equal(modern.driverVersion, "580.65.06");
  equal(modern.cudaVersion, "13.0");
  equal(modern.gpus.length, 2);
  equal(modern.gpus[1]!.powerLimitWatts, 700);
  equal(modern.gpus[1]!.powerDrawWatts, 118.4);
  equal(modern.gpus[0]!.name, "NVIDIA H100 80GB HBM3");
});

Deno.test("parseSmiVersion, unknownField and failureReason read the tool's own words", () => {
  deepEqual(
    parseSmiVersion(
      "NVIDIA-SMI version  : 575.51.03\nNVML version        : 575.51\nDRIVER version      : 575.51.03\nCUDA Version        : 12.9\n",
    ),
    { driverVersion: "575.51.03", cudaVersion: "12.9" },
  );
  equal(
    unknownField('Field "power.draw.instant" is not a valid field to query.\n\n'),
    "power.draw.instant",
  );
  equal(unknownField("0, 12.5\n"), undefined);
  equal(
    failureReason(
      9,
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
    ),
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver (nvidia-smi exit code 9)",
  );
  equal(
    failureReason(6, "\nNo devices were found\n"),
    "No devices were found (nvidia-smi exit code 6)",
  );
});
