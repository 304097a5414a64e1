/**
 * `deno task data`: regenerates every table in data/ by running each `scripts/data/gen_*.ts`
 * in turn. Each generator reads pinned npm packages (or ../shared/data) and writes one
 * table with its source, year and licence.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

const dir = fromFileUrl(new URL(".", import.meta.url));
const generators = [...Deno.readDirSync(dir)]
  .map((e) => e.name)
  .filter((n) => n.startsWith("gen_") && n.endsWith(".ts"))
  .sort();
for (const name of generators) {
  console.log(`data: ${name}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    // The data-build packages are locked in deno.dev.lock (see scripts/lock.ts).
    args: [
      "run",
      "-A",
      `--lock=${join(dir, "..", "..", "deno.dev.lock")}`,
      "--frozen=false",
      join(dir, name),
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    console.error(`data: ${name} failed with exit code ${code}`);
    Deno.exit(1);
  }
}
