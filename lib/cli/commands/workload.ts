/**
 * `impact __workload [seconds]` (hidden): the CPU-bound workload `impact run --demo` runs,
 * so a fresh machine has something to measure without any other program.
 *
 * @module
 */
import type { RegisterCommand } from "../context.ts";
import { parseDecimal } from "../../decimal.ts";

/**
 * Counts primes by trial division until `seconds` have passed.
 *
 * @param seconds How long to keep a CPU busy.
 * @param nowMs The clock.
 * @returns The number of primes found.
 */
function busyWork(seconds: number, nowMs: () => number = () => performance.now()): number {
  const endMs = nowMs() + seconds * 1000;
  let primes = 0;
  let n = 2;
  while (true) {
    // Check the clock every 10,000 numbers so the loop stays busy.
    for (let i = 0; i < 10_000; i++, n++) {
      let prime = true;
      for (let d = 2; d * d <= n; d++) {
        if (n % d === 0) {
          prime = false;
          break;
        }
      }
      if (prime) primes++;
    }
    if (nowMs() >= endMs) return primes;
  }
}

/** Registers the hidden `__workload` command. */
export const register: RegisterCommand = (program, ctx) => {
  program
    .command("__workload", { hidden: true })
    .argument("[seconds]", "how long to run", "5")
    .action((seconds) => {
      const s = Math.min(Math.max(parseDecimal(seconds) ?? 5, 0), 600);
      ctx.stderr(`impact demo: counting primes on one CPU for ${s} s\n`);
      const primes = busyWork(s);
      ctx.stdout(`impact demo: found ${primes} primes\n`);
    });
};
