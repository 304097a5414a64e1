import { equal, ok, throws } from "node:assert/strict";
import {
  cloudRegion,
  cloudRegions,
  parseCloudSpec,
  UnknownCloudRegionError,
} from "../../lib/geo/cloud.ts";
import { intensityFor } from "../../lib/geo/intensity.ts";
import { splitCsvLine } from "../../scripts/data/gen_cloud.ts";

Deno.test("each provider has regions with a zone that has an intensity, and a PUE", () => {
  for (const provider of ["aws", "gcp", "azure"]) {
    const all = cloudRegions(provider);
    ok(all.length > 20, provider);
    for (const r of all) {
      ok(intensityFor(r.zone), `${provider}:${r.region} zone ${r.zone}`);
      ok(r.pue > 1 && r.pue < 1.6);
      ok(r.source.length > 0);
    }
  }
});

Deno.test("well-known regions map to the right grid zone and provider PUE", () => {
  const ireland = cloudRegion("aws", "eu-west-1");
  equal(ireland.zone, "IE");
  equal(ireland.pue, 1.135);
  equal(cloudRegion("GCP", "us-central1").zone, "US-MIDW-MISO");
  equal(cloudRegion("gcp", "europe-west4").zone, "NL");
  equal(cloudRegion("azure", "westeurope").zone, "NL");
  equal(cloudRegion("azure", "northeurope").zone, "IE");
  equal(cloudRegion("azure", "westeurope").pue, 1.185);
  equal(cloudRegion("aws", "ap-southeast-2").zone, "AU-NSW");
  ok(cloudRegion("aws", "us-west-2").latitude! > 40);
});

Deno.test("an unknown region or provider lists the nearest valid ones", () => {
  throws(() => cloudRegion("aws", "eu-west-9"), (error: unknown) => {
    ok(error instanceof UnknownCloudRegionError);
    ok(error.suggestions.includes("eu-west-1"), error.message);
    ok(error.message.startsWith('Unknown cloud region "aws:eu-west-9"'));
    return true;
  });
  throws(() => cloudRegions("awz"), /nearest valid: aws/);
});

Deno.test("parseCloudSpec takes provider:region or a bare region one provider has", () => {
  equal(parseCloudSpec("aws:eu-west-1").region, "eu-west-1");
  equal(parseCloudSpec("europe-west4").provider, "gcp");
  throws(() => parseCloudSpec("nowhere-1"), UnknownCloudRegionError);
});

Deno.test("splitCsvLine keeps a quoted lat,lon field whole", () => {
  equal(splitCsvLine('2022,a,"1.5,-2",x').join("|"), "2022|a|1.5,-2|x");
});
