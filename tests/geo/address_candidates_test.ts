import { deepEqual, equal } from "node:assert/strict";
import { closestPlaces, describePlace } from "../../lib/geo/address_candidates.ts";
import type { Place } from "../../lib/geo/types.ts";

const place = (name: string, admin1: string): Place => ({
  name,
  admin1,
  country: "USA",
  countryName: "United States",
  latitude: 0,
  longitude: 0,
  population: 10_000,
});
const table = [place("Stanford", "California"), place("Stamford", "Connecticut")];
const search = (query: string, limit: number) =>
  table.filter((p) => p.name.toLowerCase().startsWith(query.toLowerCase())).slice(0, limit);

Deno.test("a misspelt place finds candidates through the longest prefix that names one", () => {
  const near = closestPlaces("Stanfrod, Califronia", search);
  deepEqual(near.map(describePlace), ["Stanford, California, United States"]);
});

Deno.test("candidates are not repeated and stop at the limit", () => {
  const near = closestPlaces("Sta Stanford Stamford", search, 2);
  equal(near.length, 2);
  equal(new Set(near.map((p) => p.name)).size, 2);
});
