import { equal, ok } from "node:assert/strict";
import { downsampleMinMax } from "../../../lib/report/downsample.ts";

function week(): { x: number[]; y: number[] } {
  const n = 7 * 24 * 3600;
  const x = new Array<number>(n);
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    x[i] = i;
    y[i] = 200 + 30 * Math.sin(i / 5000);
  }
  y[123_457] = 950; // one short spike
  y[400_001] = -5; // one dip
  return { x, y };
}

Deno.test("a week at 1 Hz shrinks to about two points per pixel and keeps extremes", () => {
  const series = week();
  const out = downsampleMinMax(series, 600);
  ok(out.x.length <= 2 * 600 + 2, `${out.x.length} points`);
  equal(Math.max(...out.y), 950);
  equal(Math.min(...out.y), -5);
  ok(out.x.includes(123_457));
  equal(out.x[0], 0);
  equal(out.x.at(-1), series.x.length - 1);
  for (let i = 1; i < out.x.length; i++) ok(out.x[i]! > out.x[i - 1]!, "x stays ascending");
});

Deno.test("a short series is returned as is", () => {
  const out = downsampleMinMax({ x: [0, 1, 2], y: [5, 6, 7] }, 600);
  equal(out.x.length, 3);
  equal(out.y[2], 7);
});
