import { equal, match, ok } from "node:assert/strict";
import { runCli } from "../../lib/cli/app.ts";
import { captureContext } from "../helpers/context.ts";

Deno.test("cloud aws lists regions cleanest first with zone, intensity and PUE", async () => {
  const ctx = captureContext();
  equal(await runCli(["cloud", "aws", "--json"], ctx), 0);
  const rows = JSON.parse(ctx.out()) as {
    effectiveGramsPerKwh: number;
    pue: number;
    zone: string;
  }[];
  ok(rows.length > 20);
  ok(rows.every((r, i) => i === 0 || rows[i - 1]!.effectiveGramsPerKwh <= r.effectiveGramsPerKwh));
  ok(rows.every((r) => r.pue === 1.135));
  const text = captureContext();
  equal(await runCli(["cloud", "gcp"], text), 0);
  match(text.out(), /^region +zone +gCO2e\/kWh +PUE/);
  match(text.out(), /europe-west4 +NL/);
});

Deno.test("cloud with a region gives that region", async () => {
  const ctx = captureContext();
  equal(await runCli(["cloud", "azure", "westeurope", "--json"], ctx), 0);
  const row = JSON.parse(ctx.out());
  equal(row.zone, "NL");
  equal(row.pue, 1.185);
  equal(row.effectiveGramsPerKwh, Math.round(row.intensityGramsPerKwh * 1.185 * 10) / 10);
});

Deno.test("an unknown provider or region exits 3 with suggestions", async () => {
  const ctx = captureContext();
  equal(await runCli(["cloud", "aws", "eu-west-9"], ctx), 3);
  match(ctx.err(), /Unknown cloud region "aws:eu-west-9"; nearest valid: .*eu-west-1/);
  const ctx2 = captureContext();
  equal(await runCli(["cloud", "ibm"], ctx2), 3);
});
