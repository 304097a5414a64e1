import { equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { electNodeSampler, LOCK_NAME } from "../../lib/cluster/election.ts";
import { denoRuntime } from "../../lib/runtime.ts";

Deno.test("SLURM_LOCALID 0 samples the node and the other local ranks do not", async () => {
  const base = {
    nodeDir: "/nonexistent",
    runtime: denoRuntime,
    procfsRoot: "/proc",
    hostname: "h",
  };
  const first = await electNodeSampler({ ...base, info: { jobId: "1", localId: 0 } });
  const second = await electNodeSampler({ ...base, info: { jobId: "1", localId: 1 } });
  equal(first.nodeSampler, true);
  equal(first.method, "localid");
  equal(second.nodeSampler, false);
});

Deno.test("without SLURM_LOCALID exactly one of many concurrent tasks takes the lock", async () => {
  const nodeDir = await Deno.makeTempDir();
  try {
    const elections = await Promise.all(
      Array.from({ length: 8 }, (_, rank) =>
        electNodeSampler({
          info: { jobId: "1", taskRank: rank },
          nodeDir,
          runtime: denoRuntime,
          procfsRoot: "/proc",
          hostname: "h",
          pid: Deno.pid,
        })),
    );
    equal(elections.filter((e) => e.nodeSampler).length, 1);
    const loser = elections.find((e) => !e.nodeSampler);
    equal(loser?.holder?.pid, Deno.pid);
    for (const e of elections) await e.release();
    // Released: the next task to come along takes it.
    const later = await electNodeSampler({
      info: { jobId: "1" },
      nodeDir,
      runtime: denoRuntime,
      procfsRoot: "/proc",
      hostname: "h",
    });
    equal(later.nodeSampler, true);
    await later[Symbol.asyncDispose]();
  } finally {
    await Deno.remove(nodeDir, { recursive: true });
  }
});

Deno.test("a lock left by a dead process on this host is taken over, one on another host is not", async () => {
  const nodeDir = await Deno.makeTempDir();
  try {
    // A pid that has exited: a child we ran to completion.
    const child = new Deno.Command("true").spawn();
    const deadPid = child.pid;
    await child.status;
    const lock = join(nodeDir, LOCK_NAME);
    await Deno.writeTextFile(lock, JSON.stringify({ pid: deadPid, host: "h" }));
    const options = { info: { jobId: "1" }, nodeDir, runtime: denoRuntime, procfsRoot: "/proc" };
    const taken = await electNodeSampler({ ...options, hostname: "h" });
    equal(taken.nodeSampler, true);
    ok(JSON.parse(await Deno.readTextFile(lock)).pid === Deno.pid);
    await taken.release();
    await Deno.writeTextFile(lock, JSON.stringify({ pid: deadPid, host: "elsewhere" }));
    equal((await electNodeSampler({ ...options, hostname: "h" })).nodeSampler, false);
  } finally {
    await Deno.remove(nodeDir, { recursive: true });
  }
});
