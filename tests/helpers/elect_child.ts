/**
 * A SLURM task's node-sampler election in a process of its own, for the election tests:
 * `deno run -A elect_child.ts <lockDir> <nodeDir> <rank>` prints `won` or `lost <holder pid>`
 * and holds what it won until its stdin closes (or it is killed).
 *
 * @module
 */
import { electNodeSampler } from "../../lib/cluster/election.ts";

const [lockDir, nodeDir, rank] = Deno.args;
const election = await electNodeSampler({
  info: { jobId: "4242", node: "n1", taskRank: Number(rank) },
  nodeDir: nodeDir!,
  lockDir,
  hostname: "n1",
});
console.log(election.nodeSampler ? "won" : `lost ${election.holder?.pid ?? "?"}`);
for await (const _ of Deno.stdin.readable) {
  // Held until the test closes stdin.
}
await election.release();
