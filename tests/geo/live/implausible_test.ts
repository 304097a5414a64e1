/**
 * Issue 12, item 4: a live source's answer is a number no grid has (negative, 1e400, 10^6) or a
 * time that is none is a failed poll (the yearly figure stands in), never a reading.
 *
 * @module
 */
import { equal, throws } from "node:assert/strict";
import { parseUkIntensity } from "../../../lib/geo/live/uk.ts";
import { parseElectricityMapsLatest } from "../../../lib/geo/live/electricitymaps.ts";
import { parseCaisoFuelSource } from "../../../lib/geo/live/caiso.ts";
import { LiveIntensityError } from "../../../lib/geo/live/reading.ts";

const uk = (actual: string, from = '"2024-03-01T12:00Z"') =>
  `{"data":[{"from":${from},"intensity":{"forecast":200,"actual":${actual}}}]}`;
const em = (value: string, datetime = '"2024-03-01T12:00:00Z"') =>
  `{"zone":"DE","carbonIntensity":${value},"datetime":${datetime}}`;

Deno.test("impossible live intensities and times are refused by every source", () => {
  equal(parseUkIntensity(uk("180")).gramsPerKwh, 180);
  equal(parseElectricityMapsLatest(em("350"), "DE").gramsPerKwh, 350);
  for (const value of ["-5", "1e400", "1000000"]) {
    throws(() => parseUkIntensity(uk(value)), /carbonintensity\.org\.uk answered an intensity of/);
    throws(
      () => parseElectricityMapsLatest(em(value), "DE"),
      /Electricity Maps \(DE\) answered an intensity of/,
    );
  }
  throws(() => parseUkIntensity(uk("180", '"soon"')), /answered a time that is not one: "soon"/);
  throws(() => parseElectricityMapsLatest(em("350", '"later"'), "DE"), LiveIntensityError);
});

Deno.test("CAISO: hex or exponent megawatts and a malformed time are refused", () => {
  const head = "Time,Solar,Wind,Natural Gas\n";
  equal(parseCaisoFuelSource(head + "12:00,100,100,200\n", "2024-03-01", 300).gramsPerKwh, 259.8);
  throws(
    () => parseCaisoFuelSource(head + "12:00,0x10,100,200\n", "2024-03-01", 300),
    /fuelsource\.csv:2: field solar is not a number/,
  );
  throws(
    () => parseCaisoFuelSource(head + "12:00,1e3,100,200\n", "2024-03-01", 300),
    /field solar is not a number/,
  );
  throws(
    () => parseCaisoFuelSource(head + "noon,100,100,200\n", "2024-03-01", 300),
    /fuelsource\.csv:2: time "noon" is not HH:MM/,
  );
});
