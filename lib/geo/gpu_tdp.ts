/**
 * GPU board power (TDP) by name, from data/gpu_tdp.json, for `impact estimate` and for
 * TDP-based estimates of GPUs without a power reading. Names match loosely, as users and
 * nvidia-smi write them ("A100", "NVIDIA A100-SXM4-80GB", "Tesla V100-SXM2-16GB").
 *
 * @module
 */
import table from "../../data/gpu_tdp.json" with { type: "json" };
import { nearest } from "./suggest.ts";

interface Row {
  name: string;
  vendor: string;
  family: string;
  variant: string[];
  tdpWatts: number;
  default?: string;
  source: string;
}

const rows = table.rows as Row[];

/** A GPU's board power and how the name was matched. */
export interface GpuTdp {
  /** The table's full name of the part. */
  name: string;
  tdpWatts: number;
  /** The vendor's specification page. */
  source: string;
  /** Set when the name left the variant open and the most common one was taken; says which. */
  assumed?: string;
}

/** A GPU name the table cannot match; carries the nearest known names. */
export class UnknownGpuError extends Error {
  /**
   * @param gpu What was asked for.
   * @param suggestions The nearest known names.
   */
  constructor(readonly gpu: string, readonly suggestions: string[]) {
    super(
      `Unknown GPU ${JSON.stringify(gpu)}` +
        (suggestions.length ? `; known GPUs include: ${suggestions.join(", ")}` : ""),
    );
    this.name = "UnknownGpuError";
  }
}

function tokens(name: string): string[] {
  return name.toLowerCase()
    .replace(/(\d+)\s*gb/g, " $1gb ")
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== "");
}

function hasFamily(words: string[], joined: string, family: string): boolean {
  // "RTX 4090" and "rtx4090" both name the 4090; "A10" must not match "A100".
  return words.includes(family) || words.some((w) => w === `rtx${family}`) ||
    new RegExp(`(^|[^a-z0-9])${family}($|[^a-z0-9])`).test(joined);
}

/**
 * The board power of a GPU named loosely. Among the variants of a family the one sharing
 * most words with the name wins; a name that leaves the variant open gets the family's most
 * common variant, and `assumed` says so.
 *
 * @param name e.g. `A100`, `H100 PCIe`, `NVIDIA GeForce RTX 4090`, `MI300X`.
 * @returns The part, its board power in watts and its source.
 * @throws UnknownGpuError listing the nearest known names.
 */
export function gpuTdp(name: string): GpuTdp {
  const words = tokens(name);
  const joined = words.join(" ");
  const candidates = rows.filter((r) => hasFamily(words, joined, r.family));
  if (candidates.length === 0) {
    throw new UnknownGpuError(name, nearest(name, rows.map((r) => r.name), 5));
  }
  const score = (r: Row) => r.variant.filter((v) => words.includes(v)).length;
  const best = Math.max(...candidates.map(score));
  const top = candidates.filter((r) => score(r) === best);
  const chosen = top.length === 1 ? top[0]! : top.find((r) => r.default) ?? top[0]!;
  const result: GpuTdp = { name: chosen.name, tdpWatts: chosen.tdpWatts, source: chosen.source };
  if (top.length > 1) {
    result.assumed = `"${name}" did not say which variant; took ${chosen.name}` +
      (chosen.default ? `, ${chosen.default}` : "");
  }
  return result;
}
