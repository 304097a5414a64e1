/**
 * Issue 12, item 8: a geocoder's or IP locator's credentials never reach a message (printed,
 * and recorded as impact.json's `region.error`).
 *
 * @module
 */
import { equal, ok, rejects } from "node:assert/strict";
import { geocodeOnline, GeocoderError } from "../../lib/geo/nominatim.ts";
import { resolveRegion } from "../../lib/geo/resolve.ts";

const failing: typeof fetch = (input) =>
  Promise.reject(new TypeError(`error sending request for url (${String(input)})`));

Deno.test("geocoder errors name the server without its password or token", async () => {
  await rejects(
    geocodeOnline("Zurich", { baseUrl: "https://me:pa55@geo.example/?key=k3y", fetch: failing }),
    (e: Error) => {
      ok(e instanceof GeocoderError);
      ok(!/pa55|k3y/.test(e.message), e.message);
      ok(!/pa55|k3y/.test(e.url), e.url);
      ok(e.message.includes("https://***@geo.example/"));
      return true;
    },
  );
});

Deno.test("IP locator errors name the service without its credentials", async () => {
  const url = "https://me:pa55@ip.example/json?token=t0k";
  await rejects(resolveRegion({ locateByIp: { url, fetch: failing } }), (e: Error) => {
    ok(!/pa55|t0k/.test(e.message), e.message);
    return true;
  });
  const notOk: typeof fetch = () => Promise.resolve(new Response("no", { status: 403 }));
  await rejects(resolveRegion({ locateByIp: { url, fetch: notOk } }), (e: Error) => {
    equal(e.message, "IP geolocation at https://***@ip.example/json?token=*** answered 403");
    return true;
  });
});
