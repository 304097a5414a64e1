import { deepEqual, equal, match, throws } from "node:assert/strict";
import schema from "../../../data/site_spec.schema.json" with { type: "json" };
import {
  createSchemaValidator,
  unsupportedKeywords,
} from "../../../lib/report/appendix/json_schema.ts";

Deno.test("every keyword of data/site_spec.schema.json is one the validator implements", () => {
  deepEqual(unsupportedKeywords(schema), []);
});

Deno.test("a keyword the validator does not implement is refused, naming where it is", () => {
  throws(
    () =>
      createSchemaValidator({
        type: "object",
        $defs: { name: { type: "string", patern: "^[a-z]+$" } },
        properties: { list: { type: "array", items: [{ $dynamicRef: "#name" }] } },
      }),
    /does not implement: #\/\$defs\/name\/patern, #\/properties\/list\/items\/0\/\$dynamicRef/,
  );
  // Names under `properties` are data, not keywords.
  deepEqual(unsupportedKeywords({ properties: { patern: { type: "string" } } }), []);
});

Deno.test("errors name the JSON path and what was expected, leaves only", () => {
  const validate = createSchemaValidator({
    type: "object",
    properties: {
      kind: { enum: ["a", "b"] },
      name: { type: "string", minLength: 2, pattern: "^[a-z]+$" },
      fixed: { type: "object", properties: { x: { type: "number" } }, additionalProperties: false },
    },
  });
  deepEqual(validate({ kind: "a", name: "ok", fixed: { x: 1 } }), []);
  const errors = validate({ kind: "c", name: "A", fixed: { x: 1, "y z": 2 } });
  const text = errors.map((e) => `${e.path}: ${e.message}`).join("\n");
  match(text, /^\$\.kind: expected one of "a", "b", found string "c"$/m);
  match(text, /^\$\.name: expected at least 2 character\(s\)$/m);
  match(text, /^\$\.name: String does not match pattern/m);
  match(text, /^\$\.fixed\["y z"\]: unexpected entry$/m);
  equal(errors.length, 4, text);
});

Deno.test("a regex filter is checked as it is compiled, without the u flag", () => {
  const validate = createSchemaValidator({ type: "string", format: "regex" });
  deepEqual(validate("ppo\\-2"), []);
  match(validate("(unclosed")[0]!.message, /^expected a regular expression \(.+\)$/);
});
