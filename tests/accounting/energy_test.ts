import { equal, throws } from "node:assert/strict";
import { choosePue, DEFAULT_PUE, facilityKwh } from "../../lib/accounting/energy.ts";

Deno.test("3.6 MJ at PUE 1.5 is 1.5 kWh at the facility", () => {
  equal(facilityKwh(3.6e6, 1.5), 1.5);
  equal(facilityKwh(0, DEFAULT_PUE), 0);
});

Deno.test("the default PUE is experiment-impact-tracker's 1.58", () => {
  equal(DEFAULT_PUE, 1.58);
  equal(choosePue({}).pue, 1.58);
  equal(choosePue({}).source, "default");
});

Deno.test("PUE precedence: --pue, then OVERRIDE_PUE, then the cloud region, then the default", () => {
  const all = { flag: 1.1, overridePue: "1.2", cloudPue: 1.135 };
  equal(choosePue(all).pue, 1.1);
  equal(choosePue(all).source, "flag");
  equal(choosePue({ overridePue: "1.2", cloudPue: 1.135 }).pue, 1.2);
  equal(choosePue({ overridePue: "1.2", cloudPue: 1.135 }).source, "OVERRIDE_PUE");
  equal(choosePue({ cloudPue: 1.135 }).pue, 1.135);
  equal(choosePue({ cloudPue: 1.135 }).source, "cloud");
  // An empty OVERRIDE_PUE is unset, as in a shell `OVERRIDE_PUE= impact ...`.
  equal(choosePue({ overridePue: "  ", cloudPue: 1.135 }).source, "cloud");
  equal(choosePue({ overridePue: " 1.3\n" }).pue, 1.3);
});

Deno.test("a PUE below 1 or not a number is refused, naming the value and its origin", () => {
  throws(() => choosePue({ flag: 0.9 }), /at least 1, got 0.9 from --pue/);
  throws(() => choosePue({ overridePue: "abc" }), /OVERRIDE_PUE must be a number, got "abc"/);
  throws(() => choosePue({ overridePue: "0.5" }), /got 0.5 from OVERRIDE_PUE/);
});
