/**
 * Issue 12, item 4 (the CLI side): every numeric flag is read by lib/decimal.ts, so hex,
 * binary, exponent and non-finite literals are usage errors naming the flag and the value,
 * never a silent number (`--interval 0x10` was 16 s).
 *
 * @module
 */
import { equal, match, throws } from "node:assert/strict";
import { runCli } from "../../lib/cli/app.ts";
import { CliError } from "../../lib/cli/errors.ts";
import { ExitCode } from "../../lib/run/errors.ts";
import { parseRegionFlags } from "../../lib/geo/resolve.ts";
import { parseOverridePue } from "../../lib/accounting/energy.ts";
import { parsePoints } from "../../lib/geo/points.ts";
import { captureContext } from "../helpers/context.ts";
import { parseRunArgv } from "../helpers/run_argv.ts";

const NOT_DECIMAL = ["0x10", "1e1", "0b1", "0o7", "Infinity", "1_0", "", " "];

Deno.test("impact run: --interval and --live-intensity-every take decimals only", () => {
  equal(parseRunArgv(["--interval", "16", "--", "x"]).intervalMs, 16_000);
  equal(parseRunArgv(["--interval", "0.5", "--", "x"]).intervalMs, 500);
  for (const text of NOT_DECIMAL) {
    throws(
      () => parseRunArgv(["--interval", text, "--", "x"]),
      (e: Error) =>
        e instanceof CliError && e.exitCode === ExitCode.usage &&
        e.message === `--interval "${text}" must be a number of seconds from 0.05 to 3600`,
      text,
    );
    throws(
      () =>
        parseRunArgv([
          "--live-intensity",
          "uk",
          "--live-intensity-every",
          text,
          "--",
          "x",
        ]),
      /--live-intensity-every ".*" must be a number of seconds above 0/,
      text,
    );
  }
});

Deno.test("--lat, --lon and --pick take decimals and whole numbers only", () => {
  equal(parseRegionFlags({ lat: "48.85", lon: "2.35" }, () => undefined).latitude, 48.85);
  for (const text of NOT_DECIMAL) {
    throws(
      () => parseRegionFlags({ lat: text, lon: "0" }, () => undefined),
      /--lat must be a number within \+-90/,
      text,
    );
  }
  for (const text of ["0x2", "2.0", "2e0", "-1", "0"]) {
    throws(
      () => parseRegionFlags({ address: "Paris", pick: text }, () => undefined),
      /--pick must be a whole number of at least 1/,
      text,
    );
  }
});

Deno.test("commands refuse hex and exponent values for every numeric flag with exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["summary", ".", "--pue", "0x10"], /PUE must be a number of at least 1, got "0x10"/],
    [["summary", ".", "--pue", "1e1"], /PUE must be a number of at least 1, got "1e1"/],
    [["region", "--top", "0x10"], /--top must be a positive integer, got "0x10"/],
    [["region", "--bottom", "1e1"], /--bottom must be a positive integer, got "1e1"/],
    [["region", "--zone", "DE", "--year", "0x7E9"], /--year must be one of/],
    [["region", "--lat", "0x10", "--lon", "0"], /--lat must be a number within \+-90/],
    [["cloud", "aws", "--year", "2.025e3"], /--year must be one of/],
    [
      ["estimate", "--gpu", "A100", "--hours", "0x10", "--location", "DE"],
      /Hours must be a number above 0, got "0x10"/,
    ],
    [
      ["estimate", "--gpu", "A100", "--hours", "1", "--location", "DE", "--count", "0x2"],
      /GPU count must be a whole number of at least 1, got "0x2"/,
    ],
    [
      ["estimate", "--gpu", "A100", "--hours", "1", "--location", "DE", "--utilization", "0x10"],
      /Utilization must be a fraction/,
    ],
    [
      ["estimate", "--gpu", "A100", "--hours", "1e2", "--location", "DE"],
      /Hours must be a number above 0, got "1e2"/,
    ],
  ];
  for (const [argv, message] of cases) {
    const ctx = captureContext();
    equal(await runCli(argv, ctx), ExitCode.usage, argv.join(" "));
    match(ctx.err(), message, argv.join(" "));
  }
});

Deno.test("OVERRIDE_PUE reads as Python's float() does: exponents yes, hex no", () => {
  equal(parseOverridePue("1.2"), 1.2);
  equal(parseOverridePue("1.2e0"), 1.2);
  throws(() => parseOverridePue("0x10"), /OVERRIDE_PUE must be a number, got "0x10"/);
  throws(() => parseOverridePue("Infinity"), /OVERRIDE_PUE must be a number/);
});

Deno.test("a points file takes decimal coordinates only", () => {
  const { points, errors } = parsePoints(
    "lat,lon\n48.85,2.35\n0x10,2\n1e1,2\n-33.9,151.2\n",
    "p.csv",
  );
  equal(points.length, 2);
  equal(errors[0], 'p.csv:3: latitude "0x10" is not a decimal number; line skipped');
  equal(errors[1], 'p.csv:4: latitude "1e1" is not a decimal number; line skipped');
});
