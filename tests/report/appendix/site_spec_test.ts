import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { matchesFilter, parseSiteSpec, SiteSpecError } from "../../../lib/report/site_spec.ts";

const eitSpec = {
  "Pong PPO": {
    filter: "(PongNoFrameskip-v4/ppo2)",
    description: "PPO2 on Pong",
    executive_summary_variables: ["total_power", "exp_len_hours", "cpu_hours", "gpu_hours"],
    child_experiments: {
      "PPO small": { filter: "ppo2/small", description: "small network" },
    },
    executive_summary_plots: [{ x: "exp_len_hours", y: "total_power" }],
    executive_summary_ordering_variable: "total_power",
  },
  "Pong A2C": { filter: "PongNoFrameskip-v4/a2c", description: "A2C" },
};

Deno.test("an experiment-impact-tracker spec parses into sets in file order", () => {
  const spec = parseSiteSpec(JSON.stringify(eitSpec), "spec.json");
  deepEqual(spec.sets.map((s) => s.name), ["Pong PPO", "Pong A2C"]);
  const ppo = spec.sets[0]!;
  equal(ppo.description, "PPO2 on Pong");
  deepEqual(ppo.summaryVariables, ["total_power", "exp_len_hours", "cpu_hours", "gpu_hours"]);
  deepEqual(ppo.children.map((c) => c.name), ["PPO small"]);
  deepEqual(ppo.plots, [{ x: "exp_len_hours", y: "total_power" }]);
  equal(ppo.orderingVariable, "total_power");
  deepEqual(spec.sets[1]!.summaryVariables, ["energy_kwh", "hours", "kg_co2e"]);
});

function specError(value: unknown): string {
  try {
    parseSiteSpec(JSON.stringify(value), "spec.json");
  } catch (error) {
    ok(error instanceof SiteSpecError);
    return error.message;
  }
  throw new Error("expected the spec to be rejected");
}

Deno.test("a missing filter is named by its JSON path", () => {
  match(
    specError({ "Pong PPO": { description: "x" } }),
    /spec\.json: \$\["Pong PPO"\]: expected a "filter" entry/,
  );
});

Deno.test("a wrong type names the path and what was expected", () => {
  const message = specError({
    "Pong PPO": { filter: "pong", executive_summary_variables: ["total_power", 3] },
  });
  match(
    message,
    /\$\["Pong PPO"\]\.executive_summary_variables\[1\]: expected a string, found number 3/,
  );
});

Deno.test("a plot without y and a child with a bad filter are both reported", () => {
  const message = specError({
    sets: {
      filter: "x",
      executive_summary_plots: [{ x: "hours" }],
      child_experiments: { small: { filter: "(unclosed" } },
    },
  });
  match(message, /\$\.sets\.executive_summary_plots\[0\]: expected a "y" entry/);
  match(message, /\$\.sets\.child_experiments\.small\.filter: expected a regular expression/);
});

Deno.test("a spec that is not an object, or empty, or not JSON is rejected", () => {
  match(specError([]), /\$: expected an object, found an array/);
  match(specError({}), /\$: expected at least 1 entry/);
  throws(() => parseSiteSpec("{ nope", "spec.json"), /spec\.json is not valid JSON/);
});

Deno.test("filters are searched anywhere in the path, backslashes read as slashes", () => {
  const filter = /PongNoFrameskip-v4\/ppo2/;
  ok(matchesFilter(filter, "/logs/PongNoFrameskip-v4/ppo2/run-3"));
  ok(matchesFilter(filter, "C:\\logs\\PongNoFrameskip-v4\\ppo2\\run-3"));
  ok(!matchesFilter(filter, "/logs/PongNoFrameskip-v4/a2c/run-3"));
  const anchored = /^runs\/a/;
  ok(matchesFilter(anchored, "runs/a1"));
  ok(!matchesFilter(anchored, "x/runs/a1"));
});

/** 28 characters of nested quantifiers: a backtracking engine takes 14 s on a 28-character path. */
const PATHOLOGICAL = "(([a-z0-9._-]+/?)+)+!nomatch";

Deno.test("a filter with nested quantifiers matches in linear time instead of hanging", () => {
  equal(PATHOLOGICAL.length, 28);
  const spec = parseSiteSpec(
    JSON.stringify({ Evil: { filter: PATHOLOGICAL }, Fine: { filter: "(a+)+/seed-1$" } }),
    "spec.json",
  );
  const [evil, fine] = spec.sets;
  // Under a backtracking RegExp each of these would take hours (2x or more per character).
  for (const n of [28, 1_000, 100_000]) {
    ok(!matchesFilter(evil!.filter, `/logs/${"a".repeat(n)}`));
    ok(!matchesFilter(fine!.filter, `/logs/${"a".repeat(n)}!`));
  }
  ok(matchesFilter(evil!.filter, "/logs/pong/!nomatch"));
  ok(matchesFilter(fine!.filter, "/logs/aaaa/seed-1"));
  equal(evil!.filter.source, PATHOLOGICAL);
});

Deno.test("a filter RE2 cannot take is refused, naming the set, the filter and why", () => {
  const message = specError({
    Backref: { filter: "(ppo)/\\1" },
    Lookahead: { filter: "x", child_experiments: { "no a2c": { filter: "^(?!.*a2c)" } } },
    Fine: { filter: "(ppo|a2c)/seed-\\d+" },
  });
  const lines = message.split("\n");
  equal(lines.length, 2, message);
  match(
    lines[0]!,
    /^spec\.json: \$\.Backref\.filter: filter "\(ppo\)\/\\\\1" refused: invalid escape sequence: `\\1` \(filters are RE2 regular expressions, matched in time linear in the path: no backreferences, no lookaround\)$/,
  );
  match(
    lines[1]!,
    /^spec\.json: \$\.Lookahead\.child_experiments\["no a2c"\]\.filter: filter "\^\(\?!\.\*a2c\)" refused: invalid or unsupported Perl syntax/,
  );
});
