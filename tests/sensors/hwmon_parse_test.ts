import { deepEqual, equal, throws } from "node:assert/strict";
import {
  gpuProductName,
  HWMON_NO_READING,
  pairDies,
  parseAmdEnergyLabel,
  parseGraceLabel,
  parseHwmonMicro,
  parsePciUevent,
} from "../../lib/sensors/hwmon_parse.ts";
import { blockAfter, readCapture } from "../helpers/captures.ts";

Deno.test("the ACPI meter's error value, read by hand on a server, is no reading, never 4.29 MW", async () => {
  const capture = await readCapture("hwmon_acpi_power_meter_ls_and_error_value.txt");
  const value = blockAfter(capture, /^--- \(b\) kepler#1049/).text.split("\n")[1]!;
  equal(Number(value), HWMON_NO_READING);
  throws(
    () => parseHwmonMicro(value, "/sys/class/hwmon/hwmon2/device/power1_average"),
    /hwmon2\/device\/power1_average: the firmware reports no reading \(4294967295000/,
  );
});

Deno.test("hwmon values are whole micro-units; anything else names the file and the text", async () => {
  const capture = await readCapture("hwmon_amdgpu_sysfs_listing.txt");
  // strace of `sensors`: power1_average holds "28000000\n" (28.00 W).
  const read = /read\(3, "(\d+)\\n"/.exec(blockAfter(capture, /^--- \(d\) strace/).text)![1]!;
  equal(parseHwmonMicro(`${read}\n`, "power1_average") / 1e6, 28);
  throws(
    () => parseHwmonMicro("N/A\n", "/x/energy1_input"),
    /\/x\/energy1_input: expected a whole number, got "N\/A"/,
  );
  throws(() => parseHwmonMicro("-5", "/x/power1_input"), /a negative value/);
});

Deno.test("Grace labels: the four meters of each of the 4 sockets of a GH200 node", async () => {
  const capture = await readCapture("hwmon_grace_gh200x4_jpwr_readings.txt");
  const energy = capture.text.split("Energy data:\n")[1]!.split("\n");
  const labels = energy.filter((l) => l.startsWith("gh:")).map((l) =>
    l.slice(3).replace(/\s+[\d.]+$/, "")
  );
  equal(labels.length, 16);
  const parsed = labels.map(parseGraceLabel);
  deepEqual(parsed.slice(0, 4), [
    { kind: "module", socket: 0 },
    { kind: "grace", socket: 0 },
    { kind: "cpu-rail", socket: 0 },
    { kind: "sysio-rail", socket: 0 },
  ]);
  deepEqual(parsed.map((p) => p?.socket), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  equal(parseGraceLabel("pynvml:0"), undefined);
});

Deno.test("amd_energy labels: Ecore%03u then Esocket%u, as the driver names them", async () => {
  const capture = await readCapture("hwmon_amd_energy_sensors_ryzen.txt");
  const labels = blockAfter(capture, /^--- \(b\) kernel 5\.8-rc/).text.split("\n")
    .map((l) => /^(E\w+):/.exec(l)?.[1]).filter((l) => l !== undefined);
  deepEqual(labels.map(parseAmdEnergyLabel), [
    ...[0, 1, 2, 3, 4, 5].map((index) => ({ kind: "core", index })),
    { kind: "socket", index: 0 },
  ]);
  equal(parseAmdEnergyLabel("Eother"), undefined);
});

Deno.test("uevent gives the PCI ids and slot; product names cover the captured cards", () => {
  const pci = parsePciUevent("DRIVER=xe\nPCI_ID=8086:E223\nPCI_SLOT_NAME=0000:03:00.0\n");
  deepEqual(pci, { vendorId: "8086", deviceId: "e223", slot: "0000:03:00.0" });
  equal(gpuProductName(pci, "Intel"), "Intel Arc Pro B70");
  equal(
    gpuProductName({ vendorId: "1002", deviceId: "740c" }, "AMD"),
    "AMD Instinct MI250X / MI250",
  );
  equal(gpuProductName({ vendorId: "1002", deviceId: "7550" }, "AMD"), "AMD GPU [1002:7550]");
  deepEqual(parsePciUevent("MODALIAS=acpi:ACPI000D:\n"), {});
});

Deno.test("MI250 secondary dies pair with the primary next to them, as rocm-smi shows them", async () => {
  const capture = await readCapture("rocm-smi_showpower_mi250_secondary_die.txt");
  const rows = blockAfter(capture, /^--- \(a\) rocm_smi_lib#160/).text.split("\n")
    .map((l) => /GPU\[(\d+)\].*Power \(W\): (.+)$/.exec(l)).filter((m) => m !== null);
  equal(rows.length, 8);
  const dies = rows.map((m) => {
    const secondary = m[2] === "N/A (Secondary die)";
    return { dualDie: true, secondary, hasPower: !secondary };
  });
  const pairs = pairDies(dies);
  deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => pairs.get(i)), [1, 0, 3, 2, 5, 4, 7, 6]);
  // A lone secondary die has no partner; a single-die part is never paired.
  equal(pairDies([{ dualDie: true, secondary: true, hasPower: false }]).size, 0);
  equal(
    pairDies([{ dualDie: false, secondary: false, hasPower: true }, {
      dualDie: true,
      secondary: true,
      hasPower: false,
    }]).size,
    0,
  );
});
