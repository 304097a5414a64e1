/**
 * `deno task bench`: runs every benchmark module in scripts/bench/ and prints each figure
 * beside its baseline (measured in the same run) and its target.
 *
 * A module exports `bench(): Promise<BenchResult[]>`.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";

/** One measured figure. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same measure for the baseline, taken in the same run. */
  baseline?: { name: string; value: number };
  /** The target, e.g. "< 0.3 s" or "< 1.5x". */
  target: string;
  /** Whether the target was met. */
  met: boolean;
}

const dir = join(fromFileUrl(new URL(".", import.meta.url)), "bench");
const only = Deno.args[0];
const names = [...Deno.readDirSync(dir)]
  .map((e) => e.name)
  .filter((n) => n.endsWith(".ts") && (!only || n.includes(only)))
  .sort();
let failed = 0;
for (const name of names) {
  const mod = await import(join(dir, name)) as { bench(): Promise<BenchResult[]> };
  console.log(`\n## ${name}`);
  for (const r of await mod.bench()) {
    const base = r.baseline
      ? `  baseline ${r.baseline.name}: ${fmt(r.baseline.value)} ${r.unit}, ratio ${
        fmt(r.value / r.baseline.value)
      }x`
      : "";
    console.log(
      `${r.met ? "ok  " : "MISS"} ${r.name}: ${fmt(r.value)} ${r.unit} (target ${r.target})${base}`,
    );
    if (!r.met) failed++;
  }
}
console.log(`\n${failed === 0 ? "all targets met" : `${failed} target(s) missed`}`);

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}
