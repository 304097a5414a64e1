import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { readFixture } from "../helpers/fixture_files.ts";
import { blockAfter, queriedFields, readCapture } from "../helpers/captures.ts";
import {
  cellValue,
  failureReason,
  fatalPlaceholder,
  headerFields,
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
  ok(isPlaceholder(cellValue(row, "memory.used")));
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

Deno.test("text that looks like a number stays the text nvidia-smi printed", () => {
  const row = parseCsvRow("0, 595.80, 0000000000000, 12.50 W", [
    "index",
    "driver_version",
    "serial",
    "power.draw",
  ]);
  equal(textField(row, "driver_version"), "595.80");
  equal(textField(row, "serial"), "0000000000000");
  equal(numberField(row, "power.draw"), 12.5);
  equal(textField(row, "index"), "0");
});

// ---- real captures (tests/fixtures/nvidia-smi_*, copied from shared/reference/hw) ------

/** Each row's fields as a person reads them: numbers as numbers, text as printed. */
function rowsOf(text: string, fields: readonly string[], numeric: readonly string[]) {
  return parseCsvTable(text, fields).map((row) =>
    Object.fromEntries(
      fields.map((f) => [f, numeric.includes(f) ? numberField(row, f) : textField(row, f)]),
    )
  );
}

const H100_FIELDS_NUMERIC = [
  "index",
  "power.draw",
  "power.limit",
  "utilization.gpu",
  "utilization.memory",
  "memory.used",
  "memory.total",
  "temperature.gpu",
];
const H100 = {
  uuid: "GPU-00000000-0000-0000-0000-000000000000",
  name: "NVIDIA H100 80GB HBM3",
};
const H100_IDLE = {
  index: 0,
  ...H100,
  "power.draw": 69.85,
  "power.limit": 700,
  "utilization.gpu": 0,
  "utilization.memory": 0,
  "memory.used": 0,
  "memory.total": 81559,
  "temperature.gpu": 41,
};
const H100_LOAD = {
  ...H100_IDLE,
  "power.draw": 631.95,
  "utilization.gpu": 100,
  "utilization.memory": 11,
  "memory.used": 19818,
  "temperature.gpu": 59,
};

Deno.test("H100 --query-gpu, with header and units, and noheader,nounits", async () => {
  for (
    const name of [
      "nvidia-smi_query-gpu_h100_csv.txt",
      "nvidia-smi_query-gpu_h100_noheader_nounits.txt",
    ]
  ) {
    const capture = await readCapture(name);
    match(capture.source, /^SOURCE: utkuozdemir\/nvidia_gpu_exporter@e656cd81/);
    const [idle, load] = capture.blocks.map((block) =>
      rowsOf(block.text, queriedFields(capture, block), H100_FIELDS_NUMERIC)
    );
    deepEqual(idle, [H100_IDLE], name);
    deepEqual(load, [H100_LOAD], name);
  }
});

Deno.test("a mixed V100/A800/A100 node: every row, units on values, exact version text", async () => {
  const capture = await readCapture("nvidia-smi_query-gpu_multigpu_v100_a100_a800.txt");
  const [v100, a800, a800Apps, a100] = capture.blocks;
  const v100Rows = rowsOf(v100!.text, queriedFields(capture, v100!), [
    "index",
    "memory.total",
    "memory.used",
    "utilization.gpu",
    "temperature.gpu",
  ]);
  deepEqual(v100Rows.map((r) => r.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  deepEqual(v100Rows.map((r) => r["memory.total"]), [
    32768,
    32768,
    32768,
    32768,
    32768,
    32764,
    32768,
    32768,
  ]);
  deepEqual(v100Rows.map((r) => r["temperature.gpu"]), [35, 36, 33, 41, 40, 37, 51, 40]);
  deepEqual(v100Rows[6], {
    index: 6,
    name: "Tesla V100-SXM2-32GB",
    "memory.total": 32768,
    "memory.used": 13928,
    "utilization.gpu": 100,
    "temperature.gpu": 51,
  });
  // Block (2) is noheader with units; its note gives the column order.
  const a800Fields = [
    "index",
    "uuid",
    "utilization.gpu",
    "memory.total",
    "memory.used",
    "memory.free",
    "driver_version",
    "name",
    "serial",
    "power.draw",
    "power.limit",
    "temperature.gpu",
    "timestamp",
  ];
  const a800Rows = rowsOf(a800!.text, a800Fields, [
    "index",
    "utilization.gpu",
    "memory.total",
    "memory.used",
    "memory.free",
    "power.draw",
    "power.limit",
    "temperature.gpu",
  ]);
  deepEqual(a800Rows.map((r) => r["power.draw"]), [
    61.89,
    59.46,
    60.74,
    59.55,
    62.17,
    61.95,
    359.75,
    71.08,
  ]);
  deepEqual(a800Rows[6], {
    index: 6,
    uuid: "GPU-105ee81f-dddd-aaf0-2e30-ca1593fdbf18",
    "utilization.gpu": 100,
    "memory.total": 81920,
    "memory.used": 74829,
    "memory.free": 6399,
    driver_version: "535.104.12",
    name: "NVIDIA A800-SXM4-80GB",
    serial: "1321923002833",
    "power.draw": 359.75,
    "power.limit": 400,
    "temperature.gpu": 70,
    timestamp: "2024/03/12 17:48:47.008",
  });
  deepEqual(parseComputeApps(a800Apps!.text, queriedFields(capture, a800Apps!)), [{
    pid: 44141,
    gpuUuid: "GPU-67fc57fc-34ad-4126-2f66-0b8d29144c75",
    processName: "/opt/miniconda/bin/python",
    usedMemoryMiB: 74736,
  }]);
  deepEqual(
    rowsOf(a100!.text, queriedFields(capture, a100!), [
      "memory.total",
      "memory.used",
      "memory.free",
      "utilization.gpu",
      "temperature.gpu",
    ]),
    [{
      driver_version: "535.129.03",
      name: "NVIDIA A100-SXM4-40GB",
      "memory.total": 40960,
      "memory.used": 4,
      "memory.free": 40334,
      "utilization.gpu": 0,
      "temperature.gpu": 31,
    }],
  );
});

const H100_APPS = [
  { pid: 11327, processName: "/root/tools/memhog", usedMemoryMiB: 2566 },
  { pid: 11328, processName: "/root/tools/memhog", usedMemoryMiB: 1542 },
  { pid: 11345, processName: "./gpu_burn", usedMemoryMiB: 15690 },
];

Deno.test("H100 --query-compute-apps: idle prints the header only, load every process", async () => {
  const idle = await readCapture("nvidia-smi_query-compute-apps_h100_idle_empty.txt");
  deepEqual(parseComputeApps(idle.blocks[0]!.text), []);
  const full = await readCapture("nvidia-smi_query-compute-apps_h100_load_full.txt");
  const block = full.blocks[0]!;
  deepEqual(parseComputeApps(block.text), H100_APPS.map((app) => ({ ...app, gpuUuid: H100.uuid })));
  const rows = parseCsvTable(block.text, queriedFields(full, block));
  deepEqual(rows.map((r) => textField(r, "gpu_serial")), [
    "0000000000000",
    "0000000000000",
    "0000000000000",
  ]);
  deepEqual(rows.map((r) => textField(r, "gpu_bus_id")), [
    "00000000:00:09.0",
    "00000000:00:09.0",
    "00000000:00:09.0",
  ]);
  equal(textField(rows[2]!, "timestamp"), "2026/07/14 08:12:53.500");
  const projected = await readCapture("nvidia-smi_query-compute-apps_pid-name-mem_h100.txt");
  const [withHeader, noHeader] = projected.blocks;
  deepEqual(parseComputeApps(withHeader!.text), H100_APPS);
  deepEqual(parseComputeApps(noHeader!.text, queriedFields(projected, noHeader!)), H100_APPS);
});

Deno.test("-q -x from drivers 515 and 595: versions, names and power where each keeps it", async () => {
  const t4 = await readCapture("nvidia-smi_q_x_tesla-t4_v11_drv515.xml.txt");
  match(t4.source, /^SOURCE: influxdata\/telegraf@b2726314 .*tesla-t4\.xml/);
  deepEqual(parseSmiXml(t4.text), {
    driverVersion: "515.105.01",
    cudaVersion: "11.7",
    gpus: [{
      name: "Tesla T4",
      uuid: "GPU-d37e67a5-91dd-3774-a5cb-99096249601a",
      minorNumber: 0,
      powerLimitWatts: 70,
      powerDrawWatts: 26.78,
    }],
  });
  const ada = await readCapture("nvidia-smi_q_x_rtx4000ada_v13_drv595.xml.txt");
  deepEqual(parseSmiXml(ada.text), {
    driverVersion: "595.84",
    cudaVersion: "13.2",
    gpus: [{
      name: "NVIDIA RTX 4000 SFF Ada Generation",
      uuid: "GPU-37037c3f-65c8-ec4d-24a9-420204ad8026",
      minorNumber: 0,
      powerLimitWatts: 70,
      powerDrawWatts: 8.44,
    }],
  });
});

Deno.test("loop mode: one header, then rows; nounits keeps the header's units", async () => {
  const capture = await readCapture("nvidia-smi_loop_mode_samples.txt");
  const tables = capture.blocks.map((block) => {
    const fields = headerFields(block.text.split("\n")[0]!)!;
    return { fields, rows: parseCsvTable(block.text, fields, "nvidia-smi -l") };
  });
  const [rtx, v100, gtx] = tables;
  deepEqual(rtx!.rows.map((r) => numberField(r, "power.draw")), [542.18, 571.9, 563.44, 575.02]);
  deepEqual(rtx!.rows.map((r) => numberField(r, "temperature.gpu")), [68, 70, 71, 71]);
  deepEqual(v100!.rows.map((r) => [textField(r, "timestamp"), numberField(r, "memory.used")]), [
    ["2025/05/22 09:42:33.587", 1],
    ["2025/05/22 09:42:38.588", 4],
    ["2025/05/22 09:42:43.588", 4],
  ]);
  deepEqual(gtx!.fields.slice(0, 3), ["name", "utilization.gpu", "utilization.memory"]);
  deepEqual(
    gtx!.rows.map((
      r,
    ) => [textField(r, "name"), numberField(r, "power.draw"), textField(r, "pstate")]),
    [
      ["GeForce GTX 1080 Ti", 211.44, "P2"],
      ["GeForce GTX 1080 Ti", 212.56, "P2"],
    ],
  );
  equal(numberField(gtx!.rows[1]!, "clocks.current.graphics"), 1784);
});

Deno.test("--version on driver 590: the driver and CUDA versions", async () => {
  const capture = await readCapture("nvidia-smi_version_h100.txt");
  deepEqual(parseSmiVersion(capture.blocks[0]!.text), {
    driverVersion: "590.48.01",
    cudaVersion: "13.1",
  });
});

Deno.test("failure texts from real drivers become the reason a user reads", async () => {
  const capture = await readCapture("nvidia-smi_errors_and_edge_values.txt");
  const said = (note: RegExp, code: number) => failureReason(code, blockAfter(capture, note).text);
  equal(
    said(/^\[1\]/, 9),
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver (nvidia-smi exit code 9)",
  );
  equal(
    said(/^\[2\]/, 18),
    "Failed to initialize NVML: Driver/library version mismatch (nvidia-smi exit code 18)",
  );
  equal(said(/^\[3\]/, 255), "Failed to initialize NVML: Unknown Error (nvidia-smi exit code 255)");
  equal(said(/^\[4\]/, 6), "No devices were found (nvidia-smi exit code 6)");
  equal(unknownField(blockAfter(capture, /^\[5\]/).text), "power.draw.average");
  equal(unknownField(blockAfter(capture, /^\[1\]/).text), undefined);
});

Deno.test("placeholders inside real rows leave the other fields readable", async () => {
  const capture = await readCapture("nvidia-smi_errors_and_edge_values.txt");
  // GTX 770, older driver: [Not Supported] in most columns (the note gives no field names).
  const gtx = blockAfter(capture, /GTX 770/).text.trim();
  const columns = gtx.split(",").map((_, i) => `c${i}`);
  const old = parseCsvRow(gtx, columns);
  deepEqual([
    textField(old, "c0"),
    numberField(old, "c3"),
    numberField(old, "c6"),
    textField(old, "c7"),
  ], [
    "GeForce GTX 770",
    52,
    52,
    "P0",
  ]);
  equal(columns.filter((c) => isPlaceholder(cellValue(old, c))).length, 8);
  // Newer driver, nounits: fan.speed is [N/A].
  const small = parseCsvRow(
    blockAfter(capture, /i3pystatus PR #776\): memory/).text.trim(),
    [
      "memory.total",
      "memory.free",
      "memory.used",
      "temperature.gpu",
      "fan.speed",
      "utilization.gpu",
      "utilization.memory",
    ],
  );
  deepEqual(
    ["memory.total", "memory.used", "temperature.gpu", "fan.speed", "utilization.gpu"].map((f) =>
      numberField(small, f)
    ),
    [2004, 0, 44, undefined, 0],
  );
  // H100 in MIG mode: utilisation is [N/A], power and memory are there, the GPU is not lost.
  const h100Capture = await readCapture("nvidia-smi_query-gpu_h100_csv.txt");
  const mig = parseCsvRow(
    blockAfter(capture, /H100 in MIG mode/).text.trim(),
    queriedFields(h100Capture, h100Capture.blocks[0]!),
  );
  deepEqual(
    ["power.draw", "power.limit", "utilization.gpu", "utilization.memory", "memory.used"].map((f) =>
      numberField(mig, f)
    ),
    [71.15, 700, undefined, undefined, 59],
  );
  equal(fatalPlaceholder(mig), undefined);
  // GB10: the header is in the note; power.limit and memory are [N/A].
  const gb10Block = blockAfter(capture, /GB10/);
  const gb10Fields = headerFields(gb10Block.notes.at(-1)!)!;
  const [gb10] = parseCsvTable(gb10Block.text, gb10Fields);
  deepEqual(
    [
      textField(gb10!, "driver_version"),
      numberField(gb10!, "power.draw"),
      numberField(gb10!, "power.limit"),
      numberField(gb10!, "memory.used"),
    ],
    ["580.173.02", 5.04, undefined, undefined],
  );
  // Windows WDDM compute apps: no used memory, a name behind [Insufficient Permissions].
  deepEqual(parseComputeApps(blockAfter(capture, /^Windows \(WDDM\)/).text), [
    { pid: 2248 },
    { pid: 15840, processName: "C:\\Windows\\explorer.exe" },
  ]);
});

Deno.test("a row with a value its field cannot hold is a parse error naming the line and field", () => {
  const fields = ["index", "power.draw", "utilization.gpu", "memory.used"];
  const bad: [string, RegExp][] = [
    [
      "0, -300.00, 50, 100",
      /smi line 7: field power\.draw is -300\.00, not a number of at least 0$/,
    ],
    ["0, 250.00, 150, 100", /field utilization\.gpu is 150, not a percentage, 0 to 100/],
    ["0, 250.00, 50, -1", /field memory\.used is -1, not a number of at least 0/],
    ["1.5, 250.00, 50, 100", /field index is 1\.5, not a whole number of at least 0/],
    ["0, 0x10, 50, 100", /field power\.draw is "0x10", not a number of at least 0/],
    ["0, 1e3, 50, 100", /field power\.draw is "1e3", not a number of at least 0/],
  ];
  for (const [line, message] of bad) {
    throws(() => parseCsvRow(line, fields, "smi", 7), message, line);
  }
  // Placeholders stay allowed in every field.
  equal(numberField(parseCsvRow("0, [N/A], [N/A], [N/A]", fields), "power.draw"), undefined);
});

Deno.test("compute apps: negative or fractional pids are parse errors, not processes", () => {
  const header = "pid, process_name, used_gpu_memory [MiB]\n";
  deepEqual(parseComputeApps(header + "4242, python, 100 MiB\n").map((a) => a.pid), [4242]);
  for (const pid of ["-1", "0", "12.5", "0x10"]) {
    throws(
      () => parseComputeApps(header + `${pid}, python, 100 MiB\n`),
      /line 2: field pid is .*not a process id/,
      pid,
    );
  }
});

Deno.test("-q -x: a negative power reading is no reading", () => {
  const xml =
    '<nvidia_smi_log><gpu id="0"><gpu_power_readings><instant_power_draw>-5.00 W</instant_power_draw>' +
    "<current_power_limit>700.00 W</current_power_limit></gpu_power_readings></gpu></nvidia_smi_log>";
  const [gpu] = parseSmiXml(xml).gpus;
  equal(gpu?.powerDrawWatts, undefined);
  equal(gpu?.powerLimitWatts, 700);
});
