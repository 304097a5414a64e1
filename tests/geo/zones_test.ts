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
  "US-AK": ["Anchorage", 61.218, -149.9],
  "US-AK-SEAPA": ["Ketchikan", 55.342, -131.648],
  "US-CAL-BANC": ["Sacramento", 38.582, -121.494],
  "US-CAL-CISO": ["San Diego", 32.716, -117.165],
  "US-CAL-IID": ["El Centro", 32.792, -115.563],
  "US-CAL-LDWP": ["Los Angeles", 34.052, -118.244],
  "US-CAR-CPLE": ["Fayetteville", 35.053, -78.878],
  "US-CAR-DUK": ["Charlotte", 35.227, -80.843],
  "US-CAR-SC": ["Charleston", 32.777, -79.931],
  "US-CAR-SCEG": ["Columbia", 34.001, -81.035],
  "US-CENT-SPA": ["Joplin", 37.084, -94.513],
  "US-CENT-SWPP": ["Oklahoma City", 35.468, -97.516],
  "US-FLA-FMPP": ["Kissimmee", 28.305, -81.417],
  "US-FLA-FPC": ["The Villages", 28.934, -81.96],
  "US-FLA-FPL": ["Miami", 25.774, -80.194],
  "US-FLA-GVL": ["Gainesville", 29.652, -82.325],
  "US-FLA-JEA": ["Jacksonville", 30.332, -81.656],
  "US-FLA-SEC": ["Spring Hill", 28.477, -82.525],
  "US-FLA-TAL": ["Tallahassee", 30.438, -84.281],
  "US-FLA-TEC": ["Tampa", 27.948, -82.458],
  "US-HI": ["Honolulu", 21.307, -157.858],
  "US-MIDA-PJM": ["Chicago", 41.85, -87.65],
  "US-MIDW-AECI": ["Lebanon", 37.681, -92.664],
  "US-MIDW-LGEE": ["Lexington-Fayette", 38.05, -84.459],
  "US-MIDW-MISO": ["Indianapolis", 39.768, -86.158],
  "US-NE-ISNE": ["Boston", 42.358, -71.06],
  "US-NW-AVA": ["Spokane", 47.66, -117.429],
  "US-NW-BPAT": ["Vancouver", 45.639, -122.661],
  "US-NW-CHPD": ["Wenatchee", 47.423, -120.31],
  "US-NW-DOPD": ["East Wenatchee", 47.416, -120.293],
  "US-NW-GCPD": ["Moses Lake", 47.13, -119.278],
  "US-NW-IPCO": ["Boise", 43.614, -116.203],
  "US-NW-NEVP": ["Las Vegas", 36.175, -115.137],
  "US-NW-NWMT": ["Missoula", 46.872, -113.994],
  "US-NW-PACE": ["Salt Lake City", 40.761, -111.891],
  "US-NW-PACW": ["Yakima", 46.602, -120.506],
  "US-NW-PGE": ["Portland", 45.523, -122.676],
  "US-NW-PSCO": ["Denver", 39.739, -104.985],
  "US-NW-PSEI": ["Tacoma", 47.253, -122.444],
  "US-NW-SCL": ["Seattle", 47.606, -122.332],
  "US-NW-TPWR": ["Centralia", 46.716, -122.954],
  "US-NW-WACM": ["Colorado Springs", 38.834, -104.821],
  "US-NW-WAUW": ["Billings", 45.783, -108.501],
  "US-NY-NYIS": ["New York City", 40.714, -74.006],
  "US-SE-SOCO": ["Atlanta", 33.749, -84.388],
  "US-SW-AZPS": ["Yuma", 32.725, -114.624],
  "US-SW-EPE": ["El Paso", 31.759, -106.487],
  "US-SW-PNM": ["Albuquerque", 35.084, -106.651],
  "US-SW-SRP": ["Phoenix", 33.448, -112.074],
  "US-SW-TEPC": ["Tucson", 32.222, -110.926],
  "US-SW-WALC": ["Duncan", 32.72, -109.1],
  "US-TEN-TVA": ["Memphis", 35.15, -90.049],
  "US-TEX-ERCO": ["Houston", 29.763, -95.363],
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
  equal(zoneAt(38.627, -90.1994)?.zone, "US-MIDW-MISO"); // St. Louis, across from Illinois
  equal(zoneAt(38.6245, -90.1509)?.zone, "US-MIDW-MISO"); // East St. Louis
  equal(zoneAt(39.0997, -94.5786)?.zone, "US-CENT-SWPP"); // Kansas City, Missouri
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

Deno.test("a US county served by several balancing areas says which", () => {
  const seattle = zoneAt(47.6062, -122.3321);
  equal(seattle?.zone, "US-NW-SCL");
  ok(seattle?.alsoServedBy?.includes("US-NW-PSEI"), JSON.stringify(seattle));
  equal(zoneAt(52.52, 13.4)?.alsoServedBy, undefined);
  equal(zoneIds().filter((z) => z === "US-MIDW-MISO").length, 1);
});

Deno.test("the zones file records its source, year and licence", () => {
  const p = zonesProvenance();
  ok(p.source.includes("Natural Earth"));
  ok(p.source.includes("EIA-861"));
  ok(p.licence.includes("public domain"));
  ok(p.year >= 2000);
});

Deno.test("Shizuoka is split at the Fuji River: Chubu to the west, TEPCO to the east", () => {
  // Municipalities by their offices' coordinates; utilities from TEPCO Power Grid's and Chubu
  // Electric Power Grid's service-area pages (see FUJI_RIVER in scripts/data/zone_rules.ts).
  const want: [string, number, number, string][] = [
    ["Hamamatsu", 34.71, 137.726, "JP-CB"],
    ["Shizuoka", 34.976, 138.383, "JP-CB"],
    ["Shimizu-ku", 35.016, 138.49, "JP-CB"],
    ["Fujieda", 34.867, 138.257, "JP-CB"],
    ["Kakegawa", 34.769, 137.998, "JP-CB"],
    ["Fuji", 35.161, 138.676, "JP-TK"],
    ["Fujinomiya", 35.222, 138.621, "JP-TK"],
    ["Numazu", 35.096, 138.864, "JP-TK"],
    ["Mishima", 35.118, 138.918, "JP-TK"],
    ["Gotemba", 35.309, 138.935, "JP-TK"],
    ["Atami", 35.096, 139.072, "JP-TK"],
    ["Shimoda", 34.68, 138.945, "JP-TK"],
    ["Kofu (Yamanashi)", 35.662, 138.568, "JP-TK"],
    ["Matsumoto (Nagano)", 36.238, 137.972, "JP-CB"],
    ["Itoigawa (Niigata)", 37.039, 137.862, "JP-TH"],
  ];
  const wrong = want.filter(([, lat, lon, zone]) => zoneAt(lat, lon)?.zone !== zone)
    .map(([name, lat, lon, zone]) => `${name}: ${zoneAt(lat, lon)?.zone} (${zone})`);
  equal(wrong.join("; "), "");
});
