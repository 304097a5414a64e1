import { equal, ok, throws } from "node:assert/strict";
import {
  cloudRegion,
  cloudRegions,
  parseCloudSpec,
  UnknownCloudRegionError,
} from "../../lib/geo/cloud.ts";
import { intensityFor } from "../../lib/geo/intensity.ts";
import { zoneAt } from "../../lib/geo/zones.ts";

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

/** Regions whose site the county-level US map cannot show, and why. */
const ZONE_EXCEPTIONS: Record<string, string> = {
  "azure:westus3": "Goodyear is APS (AZPS); the county map gives all of Maricopa to SRP",
};

Deno.test("every region's coordinates lie in its zone", () => {
  const wrong: string[] = [];
  for (const provider of ["aws", "gcp", "azure"]) {
    for (const r of cloudRegions(provider)) {
      const key = `${provider}:${r.region}`;
      ok(r.latitude !== undefined && r.longitude !== undefined, `${key} has coordinates`);
      const got = zoneAt(r.latitude, r.longitude)?.zone;
      if (got !== r.zone && !ZONE_EXCEPTIONS[key]) wrong.push(`${key}: ${got} (table ${r.zone})`);
    }
  }
  equal(wrong.join("; "), "");
});

Deno.test("regions use bidding zones and balancing areas where the data has them", () => {
  equal(cloudRegion("aws", "eu-north-1").zone, "SE-SE3");
  equal(cloudRegion("aws", "eu-south-1").zone, "IT-NO");
  equal(cloudRegion("gcp", "europe-west8").zone, "IT-NO");
  equal(cloudRegion("azure", "swedencentral").zone, "SE-SE3");
  equal(cloudRegion("gcp", "us-south1").zone, "US-TEX-ERCO");
  ok(cloudRegion("gcp", "us-south1").latitude! < 34, "Dallas is in Texas");
  ok(cloudRegion("gcp", "us-east5").longitude! > -85, "Columbus is in Ohio");
  ok(cloudRegion("aws", "sa-east-1").latitude! < -20, "São Paulo is not in the Amazon");
  equal(cloudRegion("aws", "sa-east-1").location, "South America (São Paulo)");
  equal(cloudRegion("gcp", "northamerica-northeast1").location, "Montréal, Québec, Canada");
});
