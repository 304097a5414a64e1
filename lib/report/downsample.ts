/**
 * Downsampling of long time series for plots: min/max per bucket (one bucket per pixel
 * column), so a week at 1 Hz draws with a few thousand points and every peak and trough
 * stays visible.
 *
 * @module
 */

/** A series as parallel arrays: x ascending. */
export interface XySeries {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/**
 * Keeps, per bucket of equal x width, the first point plus the minimum and maximum of y
 * (in x order), and always the first and last points.
 *
 * @param series The points, x ascending.
 * @param buckets How many buckets (e.g. the plot's width in pixels).
 * @returns At most `2 * buckets + 2` points; the series itself when already that short.
 */
export function downsampleMinMax(
  series: XySeries,
  buckets: number,
): { x: number[]; y: number[] } {
  const { x, y } = series;
  const n = Math.min(x.length, y.length);
  if (n <= 2 * buckets + 2 || buckets < 1) {
    return {
      x: Array.from({ length: n }, (_, i) => x[i]!),
      y: Array.from({ length: n }, (_, i) => y[i]!),
    };
  }
  const x0 = x[0]!;
  const span = x[n - 1]! - x0 || 1;
  const outX: number[] = [x0];
  const outY: number[] = [y[0]!];
  let i = 1;
  for (let b = 0; b < buckets && i < n - 1; b++) {
    const end = x0 + (span * (b + 1)) / buckets;
    let minI = -1;
    let maxI = -1;
    for (; i < n - 1 && (x[i]! <= end || b === buckets - 1); i++) {
      if (minI < 0 || y[i]! < y[minI]!) minI = i;
      if (maxI < 0 || y[i]! > y[maxI]!) maxI = i;
    }
    if (minI < 0) continue;
    const first = Math.min(minI, maxI);
    const second = Math.max(minI, maxI);
    outX.push(x[first]!);
    outY.push(y[first]!);
    if (second !== first) {
      outX.push(x[second]!);
      outY.push(y[second]!);
    }
  }
  outX.push(x[n - 1]!);
  outY.push(y[n - 1]!);
  return { x: outX, y: outY };
}
