/**
 * Summary statistics of an executive summary row: mean, standard error of the mean, sum.
 *
 * @module
 */

/** Mean, standard error and sum of a metric over a set's runs. */
export interface SummaryStats {
  /** Runs with a value. */
  count: number;
  /** Undefined when no run has a value. */
  mean?: number;
  /** Sample standard deviation / sqrt(count); undefined with fewer than two values. */
  standardError?: number;
  sum: number;
}

/**
 * Computes the summary statistics of values (undefined values are skipped).
 *
 * @param values One value per run.
 * @returns Count, mean, standard error (n - 1 in the variance, as scipy.stats.sem) and sum.
 */
export function summaryStats(values: readonly (number | undefined)[]): SummaryStats {
  const present = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  const count = present.length;
  let sum = 0;
  for (const v of present) sum += v;
  const stats: SummaryStats = { count, sum };
  if (count === 0) return stats;
  const mean = sum / count;
  stats.mean = mean;
  if (count >= 2) {
    let squares = 0;
    for (const v of present) squares += (v - mean) ** 2;
    stats.standardError = Math.sqrt(squares / (count - 1)) / Math.sqrt(count);
  }
  return stats;
}
