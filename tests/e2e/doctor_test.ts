import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { createFakeProc, fakeCpuinfo } from "../helpers/fake_procfs.ts";
import { createFakeRapl } from "../helpers/fake_sysfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";

Deno.test("impact doctor lists RAPL as available with its zones and the hardware found", async () => {
  await using dir = await tempDir();
  const rapl = await createFakeRapl(join(dir.path, "sys"), { sockets: 2, dram: true });
  const proc = await createFakeProc(join(dir.path, "proc"), {
    cpuinfo: fakeCpuinfo({ model: "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", sockets: 2 }),
  });
  const env = isolatedEnv(dir.path, {
    IMPACT_SYSFS_ROOT: rapl.root,
    IMPACT_PROCFS_ROOT: proc.root,
  });
  const text = await runImpact(["doctor"], dir.path, env);
  equal(text.code, 0, text.stderr);
  match(text.stdout, /CPU: Intel\(R\) Xeon\(R\) Gold 6248 CPU @ 2\.50GHz \(2 socket/);
  match(text.stdout, /ok {3}rapl \[counter\]: .*package-0/);
  match(text.stdout, /impact run will measure with rapl \(counter\)/);
  const json = await runImpact(["doctor", "--json"], dir.path, env);
  const report = JSON.parse(json.stdout);
  const status = report.sensors.find((s: { sensor: string }) => s.sensor === "rapl");
  equal(status.available, true);
  deepEqual(status.methods, ["counter"]);
  equal(report.hardware.cpu.sockets, 2);
});

Deno.test("impact doctor explains a missing RAPL tree and gives the fix", async () => {
  await using dir = await tempDir();
  const r = await runImpact(["doctor", "--json"], dir.path, isolatedEnv(dir.path));
  equal(r.code, 0, r.stderr);
  const rapl = JSON.parse(r.stdout).sensors.find((s: { sensor: string }) => s.sensor === "rapl");
  equal(rapl.available, false);
  ok(rapl.reason.length > 0);
  match(rapl.fix, /modprobe/);
});
