import { equal } from "node:assert/strict";
import { join } from "node:path";
import { readLogDir } from "../../lib/log/read.ts";
import { isolatedEnv, runImpact } from "../helpers/cli_process.ts";
import { createFakeRapl } from "../helpers/fake_sysfs.ts";
import { tempDir } from "../helpers/temp_dir.ts";

Deno.test("a shortened interval is announced at the start and in the summary, and recorded", async () => {
  await using dir = await tempDir();
  // 600 J of range at up to 750 W (the plausible peak: five times the 150 W limit) wraps in
  // 0.8 s: read every 0.4 s.
  const rapl = await createFakeRapl(join(dir.path, "sys"), {
    sockets: 1,
    maxEnergyRangeUj: 600_000_000,
  });
  const env = isolatedEnv(dir.path, {
    IMPACT_SYSFS_ROOT: rapl.root,
    IMPACT_NVIDIA_SMI: join(dir.path, "no-nvidia-smi"),
  });
  const logDir = join(dir.path, "log");
  const r = await runImpact(
    ["run", "--interval", "5", "--no-env", "--log-dir", logDir, "--", "sleep", "1.5"],
    dir.path,
    env,
  );
  equal(r.code, 0, r.stderr);
  const said = /sampling every 0.4 s, not the 5 s asked: a rapl counter could wrap/g;
  equal(r.stderr.match(said)?.length, 2, r.stderr);
  const first = r.stderr.search(said);
  const summary = r.stderr.search(/impact: sleep 1\.5 exited 0/);
  equal(first >= 0 && first < summary, true, "said as the run starts, before the summary");
  const log = await readLogDir(logDir);
  equal(log.info.options.intervalSeconds, 5);
  equal(log.info.options.usedIntervalSeconds, 0.4);
});
