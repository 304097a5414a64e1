import { equal, ok } from "node:assert/strict";
import { summaryStats } from "../../../lib/report/appendix/stats.ts";

Deno.test("mean, standard error and sum match hand-computed values", () => {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample variance 32/7, SE = sqrt(32/7)/sqrt(8) = 0.755929
  const stats = summaryStats([2, 4, 4, 4, 5, 5, 7, 9]);
  equal(stats.count, 8);
  equal(stats.sum, 40);
  equal(stats.mean, 5);
  ok(Math.abs(stats.standardError! - 0.7559289460184544) < 1e-12);
});

Deno.test("two values: SE is half their difference", () => {
  // 1 and 3: sd = sqrt(2), SE = sqrt(2)/sqrt(2) = 1
  const stats = summaryStats([1, 3]);
  equal(stats.mean, 2);
  ok(Math.abs(stats.standardError! - 1) < 1e-12);
});

Deno.test("missing values are skipped; one value has no standard error", () => {
  const stats = summaryStats([undefined, 2.5, undefined]);
  equal(stats.count, 1);
  equal(stats.mean, 2.5);
  equal(stats.sum, 2.5);
  equal(stats.standardError, undefined);
  const none = summaryStats([]);
  equal(none.mean, undefined);
  equal(none.sum, 0);
});
