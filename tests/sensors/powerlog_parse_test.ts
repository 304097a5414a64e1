import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { readFixture } from "../helpers/fixture_files.ts";
import { readCapture } from "../helpers/captures.ts";
import {
  parsePowerLog,
  powerLogDevices,
  PowerLogReader,
} from "../../lib/sensors/powerlog_parse.ts";

const fixture = readFixture;

Deno.test("padded numbers, quoted commas and quotes inside quotes are read as PowerLog writes them", () => {
  const text = '"System Time","Elapsed Time (sec)","Note"\n' +
    '"12:00:01:005","   2.500","a, b say ""hi"""\n';
  const log = parsePowerLog(text, "x.csv");
  deepEqual(log.columns, ["System Time", "Elapsed Time (sec)", "Note"]);
  deepEqual([...log.rows[0]!.values()], ["12:00:01:005", 2.5, 'a, b say "hi"']);
  equal(log.elapsedSeconds, 2.5);
});

Deno.test("a finished PowerLog file gives energy per domain from its footer", async () => {
  const log = parsePowerLog(await fixture("powerlog_laptop.csv"), "powerlog_laptop.csv");
  equal(log.rows.length, 5);
  equal(log.rows[1]!.get("Processor Power_0(Watt)"), 30.5);
  equal(log.rows[0]!.get("System Time"), "09:30:10:250");
  equal(log.elapsedSeconds, 5.0004);
  equal(log.footer.get("Measured RDTSC Frequency (GHz)"), 2.4);
  deepEqual(log.energy, [
    { domain: "Processor", packageIndex: 0, energyJoules: 68.6251 },
    { domain: "IA", packageIndex: 0, energyJoules: 58.0003 },
    { domain: "DRAM", packageIndex: 0, energyJoules: 3.4502 },
    { domain: "GT", packageIndex: 0, energyJoules: 0.0601 },
  ]);
  // Package and DRAM only: IA and GT lie inside the package.
  deepEqual(powerLogDevices(log.energy).map((d) => [d.component, d.device, d.method]), [
    ["cpu", "package-0", "counter"],
    ["dram", "dram-0", "counter"],
  ]);
});

Deno.test("a file still being written uses its last complete row, mWh where joules are missing", async () => {
  const text = await fixture("powerlog_running_2pkg.csv");
  throws(
    () => parsePowerLog(text, "running.csv"),
    /running.csv line 4: a quoted field is never closed/,
  );
  const log = parsePowerLog(text, "running.csv", { partial: true });
  equal(log.footer.size, 0);
  equal(log.elapsedSeconds, 1);
  const byDomain = Object.fromEntries(
    log.energy.map((d) => [`${d.domain}_${d.packageIndex}`, d.energyJoules]),
  );
  equal(byDomain["Processor_0"], 62);
  equal(byDomain["Processor_1"], 54);
  equal(byDomain["DRAM_0"], 6);
  ok(Math.abs(byDomain["DRAM_1"]! - 6.3) < 1e-9);
  deepEqual(powerLogDevices(log.energy).map((d) => d.device), [
    "package-0",
    "package-1",
    "dram-0",
    "dram-1",
  ]);
});

Deno.test("a broken value names the file, line and column", () => {
  const text = '"Elapsed Time (sec)","Cumulative Processor Energy_0(Joules)"\n"1.0","oops"\n';
  throws(
    () => parsePowerLog(text, "x.csv"),
    /x.csv line 2: column "Cumulative Processor Energy_0\(Joules\)" is not a decimal number: "oops"/,
  );
  throws(() => parsePowerLog('"Time","Power"\n', "y.csv"), /y.csv line 1: expected a header/);
});

Deno.test("a real PowerLog capture (Mozilla CI, i7 45 W): rows, footer and energy as it says", async () => {
  const capture = await readCapture("powerlog_ipg_macos_quoted_mozilla.txt");
  const text = capture.blocks[0]!.text;
  const log = parsePowerLog(text, "powerlog_ipg_macos_quoted_mozilla.txt");
  equal(log.rows.length, 10);
  equal(log.rows[0]!.get("System Time"), "12:11:05:769");
  equal(log.rows[0]!.get("Processor Power_0(Watt)"), 23.427);
  equal(log.rows[0]!.get("Package Power Limit_0(Watt)"), 45);
  // The last row repeats the final time with powers 0.000 (PowerLog's flush row).
  equal(log.rows[9]!.get("Elapsed Time (sec)"), 10.029);
  equal(log.rows[9]!.get("Processor Power_0(Watt)"), 0);
  equal(log.elapsedSeconds, 10.029232);
  equal(log.footer.get("Measured RDTSC Frequency (GHz)"), 2.592);
  equal(log.footer.get("Average Processor Power_0 (Watt)"), 14.192265);
  deepEqual(log.energy, [
    { domain: "Processor", packageIndex: 0, energyJoules: 142.337524 },
    { domain: "IA", packageIndex: 0, energyJoules: 121.888 },
    { domain: "DRAM", packageIndex: 0, energyJoules: 7.453308 },
    { domain: "GT", packageIndex: 0, energyJoules: 0.079834 },
  ]);
  deepEqual(powerLogDevices(log.energy).map((d) => [d.device, d.energyJoules]), [
    ["package-0", 142.337524],
    ["dram-0", 7.453308],
  ]);
  // Still being written (no footer yet): the last complete row's cumulative columns.
  const running = parsePowerLog(text.slice(0, text.indexOf("\n\n") + 1), "x", { partial: true });
  deepEqual(powerLogDevices(running.energy).map((d) => [d.device, d.energyJoules]), [
    ["package-0", 142.338],
    ["dram-0", 7.453],
  ]);
});

Deno.test("negative or exponent energy, power and time are parse errors naming line and column", () => {
  const head =
    '"Elapsed Time (sec)","Processor Power_0(Watt)","Cumulative Processor Energy_0(Joules)"\n';
  const cases: [string, RegExp][] = [
    [
      '"1.0","10.0","-5.0"\n',
      /z\.csv line 2: column "Cumulative Processor Energy_0\(Joules\)" is -5\.0; energy, power and time cannot be negative/,
    ],
    ['"1.0","-10.0","5.0"\n', /column "Processor Power_0\(Watt\)" is -10\.0/],
    ['"-1.0","10.0","5.0"\n', /column "Elapsed Time \(sec\)" is -1\.0/],
    [
      '"1.0","10.0","1e3"\n',
      /column "Cumulative Processor Energy_0\(Joules\)" is not a decimal number: "1e3"/,
    ],
    [
      '"1.0","10.0","5.0"\n\n"Cumulative Processor Energy_0 (Joules) = -7.5"\n',
      /z\.csv line 4: footer "Cumulative Processor Energy_0 \(Joules\)" is -7\.5/,
    ],
  ];
  for (const [body, message] of cases) throws(() => parsePowerLog(head + body, "z.csv"), message);
});

Deno.test("read as it grows, line by line, a file gives what one parse of it gives", async () => {
  const capture = await readCapture("powerlog_ipg_macos_quoted_mozilla.txt");
  const texts = [await fixture("powerlog_laptop.csv"), capture.blocks[0]!.text];
  for (const text of texts) {
    const whole = parsePowerLog(text, "f.csv");
    const reader = new PowerLogReader("f.csv", { keepRows: false });
    for (const line of text.match(/[^\n]*\n/g)!) reader.push(line);
    const grown = reader.log();
    deepEqual(grown.rows, [whole.rows.at(-1)]);
    deepEqual([grown.columns, grown.footer, grown.energy], [
      whole.columns,
      whole.footer,
      whole.energy,
    ]);
    equal(grown.elapsedSeconds, whole.elapsedSeconds);
  }
  // A bad line in a later part is named by its line in the file.
  const reader = new PowerLogReader("g.csv");
  reader.push('"Elapsed Time (sec)","Cumulative Processor Energy_0(Joules)"\n"1.0","2.0"\n');
  reader.push('"2.0","4.0"\n');
  throws(() => reader.push('"3.0","oops"\n'), /g\.csv line 4: column .* "oops"/);
});
