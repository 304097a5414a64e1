import { deepEqual, equal, throws } from "node:assert/strict";
import { parseRunArgv, RunUsageError } from "../../lib/run/options.ts";

Deno.test("run options: defaults and the command after --", () => {
  const o = parseRunArgv(["--", "python", "-u", "train.py", "--lr", "3"]);
  deepEqual(o.command, ["python", "-u", "train.py", "--lr", "3"]);
  equal(o.intervalMs, 1000);
  equal(o.attribution, "cpu-time-share");
  equal(o.quiet, false);
  equal(o.captureEnv, true);
  equal(o.demo, false);
  equal(o.logDir, undefined);
  deepEqual(o.labels, {});
});

Deno.test("run options: every flag lands in the typed options", () => {
  const o = parseRunArgv([
    "--interval",
    "0.5",
    "--log-dir",
    "out",
    "--label",
    "model=resnet",
    "--label",
    "seed=1=2",
    "--require-gpu",
    "name=~H100",
    "--require-cpu",
    "model=AMD EPYC 9654",
    "--attribution",
    "whole-machine",
    "--quiet",
    "--no-env",
    "--",
    "./train.sh",
  ]);
  equal(o.intervalMs, 500);
  equal(o.logDir, "out");
  deepEqual(o.labels, { model: "resnet", seed: "1=2" });
  deepEqual(o.requireGpu, [{ key: "name", value: "H100", substring: true }]);
  deepEqual(o.requireCpu, [{ key: "model", value: "AMD EPYC 9654", substring: false }]);
  equal(o.attribution, "whole-machine");
  equal(o.quiet, true);
  equal(o.captureEnv, false);
  deepEqual(o.command, ["./train.sh"]);
});

Deno.test("run options: flags after the command belong to the command", () => {
  const o = parseRunArgv(["--quiet", "sleep", "--interval", "9"]);
  deepEqual(o.command, ["sleep", "--interval", "9"]);
  equal(o.intervalMs, 1000);
});

Deno.test("run options: --demo needs no command", () => {
  const o = parseRunArgv(["--demo"]);
  equal(o.demo, true);
  deepEqual(o.command, []);
});

Deno.test("run options: malformed values are usage errors naming the value", () => {
  const fails = (argv: string[], re: RegExp) =>
    throws(
      () => parseRunArgv(argv),
      (e: Error) => e instanceof RunUsageError && re.test(e.message),
    );
  fails(["--interval", "0", "--", "x"], /--interval "0" must be a number of seconds/);
  fails(["--interval", "abc", "--", "x"], /--interval "abc"/);
  fails(["--label", "novalue", "--", "x"], /--label "novalue" needs the form key=value/);
  fails(["--attribution", "magic", "--", "x"], /magic/);
  fails(["--require-gpu", "name=", "--", "x"], /--require-gpu: .*key=value/);
  fails([], /No command given/);
  fails(["--demo", "--", "ls"], /--demo runs its own workload/);
  fails(["--bogus", "--", "x"], /unknown option '--bogus'/);
});
