import { equal, ok, throws } from "node:assert/strict";
import { parseResearchSites, researchSites } from "../../lib/geo/research_sites.ts";
import { zoneAt } from "../../lib/geo/zones.ts";

Deno.test("every research site has a source and lies in a grid zone", () => {
  const sites = researchSites();
  ok(sites.length >= 50);
  const outside = sites.filter((s) => !zoneAt(s.latitude, s.longitude)).map((s) => s.name);
  equal(outside.join(", "), "");
  ok(sites.every((s) => /^https?:\/\//.test(s.source)), "every row cites a page");
});

Deno.test("parseResearchSites names the line of a malformed row", () => {
  const header = "name\taliases\tcity\tadmin1\tcountry\tlatitude\tlongitude\tsource";
  const good = "Lab\tL\tTown\tState\tUS\t40\t-88\thttps://example.org";
  equal(parseResearchSites(`# c\n${header}\n${good}\n`)[0]?.keys.join("|"), "lab|l");
  throws(
    () => parseResearchSites(`${header}\nLab\tL\tTown\tState\tUS\t95\t-88\tx`),
    /line 2: latitude/,
  );
  throws(() => parseResearchSites(`${header}\nLab\tL`), /line 2: 2 fields/);
  throws(() => parseResearchSites("bad header"), /line 1: header/);
});
