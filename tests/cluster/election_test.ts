import { equal, match } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { electNodeSampler } from "../../lib/cluster/election.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const CHILD = fileURLToPath(new URL("../helpers/elect_child.ts", import.meta.url));

Deno.test("SLURM_LOCALID 0 samples the node and the other local ranks do not", async () => {
  const base = { nodeDir: "/nonexistent", lockDir: "/nonexistent", hostname: "h" };
  const first = await electNodeSampler({ ...base, info: { jobId: "1", localId: 0 } });
  const second = await electNodeSampler({ ...base, info: { jobId: "1", localId: 1 } });
  equal(first.nodeSampler, true);
  equal(first.method, "localid");
  equal(second.nodeSampler, false);
});

/** A task electing in a process of its own; `result` is its first line. */
function task(lockDir: string, nodeDir: string, rank: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-lock", CHILD, lockDir, nodeDir, String(rank)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const result = lines.read().then(({ value }) => (value ?? "").trim());
  return {
    child,
    result,
    async end() {
      await child.stdin.close().catch(() => {});
      lines.releaseLock();
      await child.stdout.cancel().catch(() => {});
      await child.status;
    },
  };
}

Deno.test("of many tasks starting at once on a node, exactly one takes the lock", async () => {
  await using dir = await tempDir();
  const tasks = Array.from({ length: 6 }, (_, rank) => task(dir.path, `${dir.path}/node`, rank));
  const results = await Promise.all(tasks.map((t) => t.result));
  try {
    equal(results.filter((r) => r === "won").length, 1, results.join(", "));
    const winner = tasks[results.indexOf("won")]!.child.pid;
    for (const r of results.filter((r) => r !== "won")) equal(r, `lost ${winner}`);
  } finally {
    await Promise.all(tasks.map((t) => t.end()));
  }
  // In this process too, on the same file: taken once, by one of these.
  const again = await Promise.all(
    Array.from({ length: 4 }, (_, rank) =>
      electNodeSampler({
        info: { jobId: "4242", node: "n1", taskRank: rank },
        nodeDir: `${dir.path}/node`,
        lockDir: dir.path,
        hostname: "n1",
      })),
  );
  equal(again.filter((e) => e.nodeSampler).length, 1);
  for (const e of again) await e.release();
});

Deno.test("a holder killed with SIGKILL leaves no stale lock: the next task takes it", async () => {
  await using dir = await tempDir();
  const holder = task(dir.path, `${dir.path}/node`, 0);
  equal(await holder.result, "won");
  const loser = task(dir.path, `${dir.path}/node`, 1);
  match(await loser.result, new RegExp(`^lost ${holder.child.pid}$`));
  await loser.end();
  holder.child.kill("SIGKILL");
  await holder.end();
  const next = task(dir.path, `${dir.path}/node`, 2);
  equal(await next.result, "won");
  await next.end();
});
