import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { parseGazetteer, placeAt, searchPlaces } from "../../lib/geo/gazetteer.ts";
import { foldText } from "../../lib/geo/fold_text.ts";

Deno.test("searchPlaces finds the place a user means first", () => {
  const first = (q: string) => searchPlaces(q)[0];
  const stanford = first("Stanford, California");
  equal(stanford?.name, "Stanford");
  equal(stanford?.admin1, "California");
  equal(stanford?.country, "USA");
  ok(Math.abs(stanford!.latitude - 37.42) < 0.05 && Math.abs(stanford!.longitude + 122.17) < 0.05);
  equal(first("Paris")?.country, "FRA");
  equal(first("Paris, Texas")?.admin1, "Texas");
  equal(first("Paris Texas")?.admin1, "Texas");
  equal(first("Stanford, CA")?.admin1, "California");
  equal(first("Washington, DC")?.admin1, "District of Columbia");
  equal(first("Washington DC")?.admin1, "District of Columbia");
  equal(first("Cambridge, UK")?.country, "GBR");
  equal(first("Sao Paulo")?.name, "São Paulo");
});

Deno.test("searchPlaces ignores accents and case", () => {
  equal(searchPlaces("Zürich")[0]?.name, "Zürich");
  equal(searchPlaces("zurich")[0]?.name, "Zürich");
  equal(searchPlaces("ZURICH")[0]?.country, "CHE");
  equal(searchPlaces("malmo")[0]?.name, "Malmö");
  equal(searchPlaces("MONTRÉAL")[0]?.admin1, "Quebec");
});

Deno.test("ambiguous names give candidates ranked by population", () => {
  const hits = searchPlaces("Springfield", 5);
  equal(hits.length, 5);
  ok(hits.every((p) => p.name === "Springfield"));
  for (let i = 1; i < hits.length; i++) ok(hits[i - 1]!.population >= hits[i]!.population);
  ok(new Set(hits.map((p) => p.admin1)).size > 1);
});

Deno.test("searchPlaces returns nothing for unknown places, empty queries and limit 0", () => {
  deepEqual(searchPlaces("Qwxzplk"), []);
  deepEqual(searchPlaces("  ,  "), []);
  deepEqual(searchPlaces("Paris", 0), []);
  deepEqual(searchPlaces("Paris, Atlantis"), []);
});

Deno.test("every hit carries country name, ISO3 and population >= 5000", () => {
  for (const p of searchPlaces("San", 20)) {
    equal(p.country.length, 3);
    ok(p.countryName.length > 0);
    ok(p.population >= 5000);
  }
});

Deno.test("foldText folds accents, case and punctuation", () => {
  equal(foldText("Zürich"), "zurich");
  equal(foldText("São Paulo"), "sao paulo");
  equal(foldText("St. John's"), "st john s");
  equal(foldText("Straße"), "strasse");
});

Deno.test("parseGazetteer reads its format and names what is malformed", () => {
  const head = [
    "# test",
    "C\tXA\tXAA\tExampleland|Examplia",
    "A\tXA.01\tNorth Province",
  ];
  const columns = [
    "name\tAlpha\tBeta",
    "folded\talpha\tbeta",
    "country\tXA\tXA",
    "admin1\t01\t02",
    "latitude\t10.000\t11.000",
    "longitude\t20.000\tnorth",
    "population\t9000\t7000",
  ];
  const g = parseGazetteer([...head, ...columns].join("\n"));
  equal(g.names.length, 2);
  deepEqual(placeAt(g, 0), {
    name: "Alpha",
    admin1: "North Province",
    country: "XAA",
    countryName: "Exampleland",
    latitude: 10,
    longitude: 20,
    population: 9000,
  });
  throws(() => placeAt(g, 1), /column longitude, place 2: not a number: north/);
  throws(
    () => parseGazetteer([...head, ...columns.slice(0, 6)].join("\n")),
    /column population: missing/,
  );
  throws(() => parseGazetteer([...head, "C\tXB"].join("\n")), /line 4: malformed row/);
});

Deno.test("other names, native scripts and exonyms find the city a person means", () => {
  const first = (q: string) => searchPlaces(q)[0];
  const want: [string, string, string][] = [
    ["München", "Munich", "DEU"],
    ["Milano", "Milan", "ITA"],
    ["Geneva", "Genève", "CHE"],
    ["Cologne", "Köln", "DEU"],
    ["Kiev", "Kyiv", "UKR"],
    ["東京", "Tokyo", "JPN"],
    ["北京", "Beijing", "CHN"],
    ["Bangalore", "Bengaluru", "IND"],
    ["Bombay", "Mumbai", "IND"],
    ["浜松", "Hamamatsu", "JPN"],
  ];
  const wrong = want.filter(([q, name, country]) =>
    first(q)?.name !== name || first(q)?.country !== country
  ).map(([q]) => `${q}: ${first(q)?.name}, ${first(q)?.country}`);
  deepEqual(wrong, []);
  ok(first("München")?.exactMatch);
});

Deno.test("an exact name comes before places that only start with it", () => {
  equal(searchPlaces("Tempe")[0]?.name, "Tempe");
  const geneva = searchPlaces("Geneva", 5);
  ok(geneva.filter((p) => p.exactMatch).length >= 2, "Geneva is ambiguous");
  ok(!searchPlaces("Münchenstein")[0]?.name.startsWith("Munich"));
});

Deno.test("research sites are found by name, acronym and qualifier, with their source", () => {
  const argonne = searchPlaces("Argonne")[0];
  equal(argonne?.name, "Argonne National Laboratory, Lemont");
  equal(argonne?.country, "USA");
  ok(argonne?.source?.startsWith("https://"));
  ok(Math.abs(argonne!.latitude - 41.72) < 0.05);
  equal(searchPlaces("NCSA")[0]?.admin1, "Illinois");
  equal(
    searchPlaces("MIT, Cambridge MA")[0]?.name,
    "Massachusetts Institute of Technology, Cambridge",
  );
  ok(!searchPlaces("MIT, Germany").some((p) => p.name.startsWith("Massachusetts")));
  // A town of that name still comes first where one exists.
  equal(searchPlaces("Stanford, California")[0]?.name, "Stanford");
});
