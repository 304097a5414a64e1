import { deepEqual, equal, throws } from "node:assert/strict";
import { CliError } from "../../lib/cli/errors.ts";
import { parseRunArgv } from "../helpers/run_argv.ts";
import { ExitCode } from "../../lib/run/errors.ts";

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
      (e: Error) => e instanceof CliError && e.exitCode === ExitCode.usage && re.test(e.message),
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

Deno.test("run options: region, live intensity and cluster flags land in typed fields", () => {
  const o = parseRunArgv([
    "--zone",
    "DE",
    "--lat",
    "-33.9",
    "--online",
    "--locate-by-ip",
    "--live-intensity",
    "uk",
    "--live-intensity-every",
    "30",
    "--metrics",
    "9464",
    "--cgroup",
    "/slurm/job_1",
    "--",
    "true",
  ]);
  deepEqual(o.region, { zone: "DE", lat: "-33.9", online: true, locateByIp: true });
  deepEqual(o.live, { provider: "uk", everySeconds: 30 });
  equal(o.metrics, "9464");
  equal(o.cgroup, "/slurm/job_1");
  deepEqual(parseRunArgv(["--", "true"]).region, {});
  equal(parseRunArgv(["--", "true"]).live, undefined);
});

Deno.test("run options: --live-intensity takes a known source and a positive period", () => {
  const fails = (argv: string[], re: RegExp) =>
    throws(
      () => parseRunArgv([...argv, "--", "true"]),
      (e: Error) => e instanceof CliError && re.test(e.message),
    );
  fails(["--live-intensity", "nowhere"], /Allowed choices are electricitymaps, uk, caiso/);
  fails(
    ["--live-intensity", "uk", "--live-intensity-every", "0"],
    /--live-intensity-every "0" must be a number of seconds above 0/,
  );
});
