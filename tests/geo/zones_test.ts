import { equal, ok } from "node:assert/strict";
import { zoneAt, zoneCountry, zoneIds, zonesProvenance } from "../../lib/geo/zones.ts";

/** One city (latitude, longitude) inside each sub-national zone the zones file places. */
const CITIES: Record<string, [string, number, number]> = {
  "AU-NSW": ["Sydney", -33.87, 151.21],
  "AU-NT": ["Darwin", -12.46, 130.84],
  "AU-QLD": ["Brisbane", -27.47, 153.03],
  "AU-SA": ["Adelaide", -34.93, 138.6],
  "AU-TAS": ["Hobart", -42.88, 147.33],
  "AU-TAS-FI": ["Whitemark", -40.12, 148.02],
  "AU-TAS-KI": ["Currie", -39.93, 143.87],
  "AU-VIC": ["Melbourne", -37.81, 144.96],
  "AU-WA": ["Perth", -31.95, 115.86],
  "AU-WA-RI": ["Rottnest", -32.0, 115.52],
  "BR-CS": ["Sao Paulo", -23.55, -46.63],
  "BR-N": ["Belem", -1.46, -48.49],
  "BR-NE": ["Feira de Santana", -12.27, -38.97],
  "BR-S": ["Curitiba", -25.43, -49.27],
  "CA-AB": ["Calgary", 51.05, -114.07],
  "CA-BC": ["Kamloops", 50.67, -120.33],
  "CA-MB": ["Winnipeg", 49.9, -97.14],
  "CA-NB": ["Fredericton", 45.96, -66.64],
  "CA-NL": ["St. John's", 47.56, -52.71],
  "CA-NS": ["Truro", 45.37, -63.28],
  "CA-NT": ["Yellowknife", 62.45, -114.37],
  "CA-NU": ["Iqaluit", 63.75, -68.52],
  "CA-ON": ["Toronto", 43.65, -79.38],
  "CA-PE": ["Charlottetown", 46.24, -63.13],
  "CA-QC": ["Montreal", 45.5, -73.57],
  "CA-SK": ["Regina", 50.45, -104.61],
  "CA-YT": ["Whitehorse", 60.72, -135.06],
  "CL-SEN": ["Santiago", -33.45, -70.67],
  "DK-BHM": ["Ronne", 55.1, 14.72],
  "DK-DK1": ["Aarhus", 56.16, 10.2],
  "DK-DK2": ["Copenhagen", 55.68, 12.57],
  "ES-CE": ["Ceuta", 35.89, -5.32],
  "ES-CN-FV": ["Puerto del Rosario", 28.5, -13.87],
  "ES-CN-GC": ["Telde", 27.99, -15.42],
  "ES-CN-HI": ["Valverde", 27.81, -17.92],
  "ES-CN-IG": ["San Sebastian de la Gomera", 28.1, -17.12],
  "ES-CN-LP": ["Santa Cruz de la Palma", 28.68, -17.77],
  "ES-CN-LZ": ["Arrecife", 28.97, -13.56],
  "ES-CN-TE": ["La Laguna", 28.49, -16.32],
  "ES-IB-FO": ["Sant Francesc Xavier", 38.71, 1.43],
  "ES-IB-IZ": ["Sant Antoni", 38.98, 1.31],
  "ES-IB-MA": ["Palma", 39.58, 2.65],
  "ES-IB-ME": ["Mao", 39.89, 4.25],
  "ES-ML": ["Melilla", 35.29, -2.95],
  "FO-MI": ["Torshavn", 62.01, -6.78],
  "FO-SI": ["Tvoroyri", 61.56, -6.82],
  "FR-COR": ["Corte", 42.31, 9.15],
  "GB-NIR": ["Belfast", 54.6, -5.93],
  "GB-ORK": ["Kirkwall", 58.98, -2.96],
  "IN-EA": ["Kolkata", 22.57, 88.36],
  "IN-NE": ["Guwahati", 26.14, 91.74],
  "IN-NO": ["Delhi", 28.61, 77.21],
  "IN-SO": ["Bangalore", 12.97, 77.59],
  "IN-WE": ["Pune", 18.52, 73.86],
  "IT-CNO": ["Florence", 43.77, 11.26],
  "IT-CSO": ["Rome", 41.9, 12.5],
  "IT-NO": ["Milan", 45.46, 9.19],
  "IT-SAR": ["Nuoro", 40.32, 9.33],
  "IT-SIC": ["Enna", 37.57, 14.28],
  "IT-SO": ["Potenza", 40.64, 15.8],
  "JP-CB": ["Nagoya", 35.18, 136.91],
  "JP-CG": ["Hiroshima", 34.39, 132.46],
  "JP-HKD": ["Sapporo", 43.06, 141.35],
  "JP-HR": ["Kanazawa", 36.56, 136.66],
  "JP-KN": ["Osaka", 34.69, 135.5],
  "JP-KY": ["Fukuoka", 33.59, 130.4],
  "JP-ON": ["Naha", 26.21, 127.68],
  "JP-SK": ["Matsuyama", 33.84, 132.77],
  "JP-TH": ["Sendai", 38.27, 140.87],
  "JP-TK": ["Tokyo", 35.68, 139.69],
  "MY-EM": ["Kuching", 1.55, 110.36],
  "MY-WM": ["Kuala Lumpur", 3.14, 101.69],
  "NO-NO1": ["Oslo", 59.91, 10.75],
  "NO-NO2": ["Sandnes", 58.85, 5.74],
  "NO-NO3": ["Trondheim", 63.43, 10.39],
  "NO-NO4": ["Narvik", 68.44, 17.43],
  "NO-NO5": ["Voss", 60.63, 6.42],
  "PH-LU": ["Quezon City", 14.68, 121.04],
  "PH-MI": ["Davao", 7.19, 125.46],
  "PH-VI": ["Cebu", 10.32, 123.89],
  "PT-MA": ["Funchal", 32.65, -16.91],
  "RU-1": ["Moscow", 55.76, 37.62],
  "RU-2": ["Novosibirsk", 55.03, 82.92],
  "RU-AS": ["Khabarovsk", 48.48, 135.08],
  "SE-SE1": ["Lulea", 65.58, 22.15],
  "SE-SE2": ["Ostersund", 63.18, 14.64],
  "SE-SE3": ["Stockholm", 59.33, 18.07],
  "SE-SE4": ["Malmo", 55.6, 13.0],
  "US-AK": ["Anchorage", 61.22, -149.9],
  "US-AK-SEAPA": ["Ketchikan", 55.34, -131.64],
  "US-CAL-BANC": ["Sacramento", 38.58, -121.49],
  "US-CAL-CISO": ["San Francisco", 37.77, -122.42],
  "US-CAL-IID": ["El Centro", 32.79, -115.56],
  "US-CAR-DUK": ["Charlotte", 35.23, -80.84],
  "US-CAR-SCEG": ["Columbia", 34.0, -81.03],
  "US-CENT-SWPP": ["Oklahoma City", 35.47, -97.52],
  "US-FLA-FPL": ["Miami", 25.76, -80.19],
  "US-HI": ["Honolulu", 21.31, -157.86],
  "US-MIDA-PJM": ["Philadelphia", 39.95, -75.17],
  "US-MIDW-LGEE": ["Louisville", 38.25, -85.76],
  "US-MIDW-MISO": ["Minneapolis", 44.98, -93.27],
  "US-NE-ISNE": ["Boston", 42.36, -71.06],
  "US-NW-BPAT": ["Spokane", 47.66, -117.43],
  "US-NW-IPCO": ["Boise", 43.62, -116.2],
  "US-NW-NEVP": ["Las Vegas", 36.17, -115.14],
  "US-NW-NWMT": ["Helena", 46.59, -112.04],
  "US-NW-PACE": ["Salt Lake City", 40.76, -111.89],
  "US-NW-PGE": ["Portland", 45.52, -122.68],
  "US-NW-PSCO": ["Denver", 39.74, -104.99],
  "US-NY-NYIS": ["Albany", 42.65, -73.76],
  "US-SE-SOCO": ["Atlanta", 33.75, -84.39],
  "US-SW-AZPS": ["Phoenix", 33.45, -112.07],
  "US-SW-EPE": ["El Paso", 31.76, -106.49],
  "US-SW-PNM": ["Albuquerque", 35.08, -106.65],
  "US-TEN-TVA": ["Nashville", 36.16, -86.78],
  "US-TEX-ERCO": ["Austin", 30.27, -97.74],
};

Deno.test("zoneAt puts a city in each sub-national zone", () => {
  const wrong: string[] = [];
  for (const [zone, [city, lat, lon]] of Object.entries(CITIES)) {
    const got = zoneAt(lat, lon)?.zone;
    if (got !== zone) wrong.push(`${city}: ${got} (want ${zone})`);
  }
  equal(wrong.join("; "), "");
});

Deno.test("every sub-national zone in the data has a test city", () => {
  const missing = zoneIds().filter((z) => z.includes("-") && !(z in CITIES));
  equal(missing.join(" "), "");
});

Deno.test("zoneAt separates border towns", () => {
  equal(zoneAt(31.7619, -106.485)?.zone, "US-SW-EPE"); // El Paso
  equal(zoneAt(31.69, -106.42)?.zone, "MX"); // Ciudad Juarez
  equal(zoneAt(42.3314, -83.0458)?.zone, "US-MIDW-MISO"); // Detroit
  equal(zoneAt(42.3, -83.02)?.zone, "CA-ON"); // Windsor
  equal(zoneAt(47.5596, 7.5886)?.zone, "CH"); // Basel
  equal(zoneAt(47.59, 7.56)?.zone, "FR"); // Saint-Louis
  equal(zoneAt(47.5947, 7.6108)?.zone, "DE"); // Weil am Rhein
});

Deno.test("zoneAt resolves both sides of the antimeridian", () => {
  equal(zoneAt(-17.5, 178.0)?.zone, "FJ"); // Viti Levu, west of 180
  equal(zoneAt(-18.21, -178.8)?.zone, "FJ"); // Lakeba, Lau group, east of 180
  equal(zoneAt(67.5, 179.5)?.zone, "RU-AS"); // Chukotka west of 180
  equal(zoneAt(65.5, -175)?.zone, "RU-AS"); // Chukotka east of 180
  equal(zoneAt(51.88, -176.65)?.zone, "US-AK"); // Adak
  equal(zoneAt(52.9, 173.2)?.zone, "US-AK"); // Attu, west of 180
  equal(zoneAt(-18.21, 181.2)?.zone, "FJ"); // longitude past 180 wraps
});

Deno.test("zoneAt gives no zone at sea or for invalid coordinates", () => {
  equal(zoneAt(0, -30), undefined); // mid-Atlantic
  equal(zoneAt(-40, -120), undefined); // South Pacific
  equal(zoneAt(50, 180), undefined); // North Pacific at the antimeridian
  equal(zoneAt(Number.NaN, 0), undefined);
  equal(zoneAt(91, 0), undefined);
});

Deno.test("zones carry their ISO 3166-1 alpha-3 country", () => {
  equal(zoneAt(52.52, 13.4)?.country, "DEU");
  equal(zoneAt(37.43, -122.17)?.country, "USA");
  equal(zoneCountry("AU-NSW"), "AUS");
  equal(zoneCountry("FR"), "FRA");
  equal(zoneCountry("US-FLA-JEA"), "USA"); // no shape of its own: country by prefix
  equal(zoneCountry("XX-NOPE"), undefined);
  ok(zoneIds().includes("DE"));
  ok(zoneIds().length > 300);
});

Deno.test("the zones file records its source, year and licence", () => {
  const p = zonesProvenance();
  ok(p.source.includes("Natural Earth"));
  ok(p.licence.includes("public domain"));
  ok(p.year >= 2000);
});
