/**
 * Which Electricity Maps zone each Natural Earth admin-1 unit belongs to, for the countries
 * whose grid data is split below country level in `@tgwf/co2`. Read by gen_zones.ts.
 *
 * These are approximations by whole admin-1 units (states, provinces, prefectures), plus a
 * few rectangles carved out of a unit for islands and utilities that the admin-1 map cannot
 * show. The United States are not here: their zones come by county from EIA-861
 * (us_counties.ts).
 *
 * @module
 */
import type { BBox } from "../../lib/geo/polygon_index.ts";

/** ISO 3166-2 code (as Natural Earth spells it) -> zone. */
export const ADMIN1_ZONES: Record<string, string> = {
  // Australia: NEM regions and the WA/NT grids; the ACT and Jervis Bay sit in the NSW region.
  "AU-NSW": "AU-NSW",
  "AU-ACT": "AU-NSW",
  "AU-X02~": "AU-NSW",
  "AU-VIC": "AU-VIC",
  "AU-QLD": "AU-QLD",
  "AU-SA": "AU-SA",
  "AU-TAS": "AU-TAS",
  "AU-X03~": "AU-TAS",
  "AU-WA": "AU-WA",
  "AU-NT": "AU-NT",
  // Brazil: ONS subsystems.
  ...Object.fromEntries([
    ...["AM", "AP", "MA", "PA", "RR", "TO"].map((s) => [`BR-${s}`, "BR-N"]),
    ...["AL", "BA", "CE", "PB", "PE", "PI", "RN", "SE"].map((s) => [`BR-${s}`, "BR-NE"]),
    ...["PR", "RS", "SC"].map((s) => [`BR-${s}`, "BR-S"]),
    ...["AC", "DF", "ES", "GO", "MG", "MS", "MT", "RJ", "RO", "SP"].map((
      s,
    ) => [`BR-${s}`, "BR-CS"]),
    // Canada: provinces and territories.
    ...["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
      .map((s) => [`CA-${s}`, `CA-${s}`]),
    // India: the five regional grids.
    ...["CH", "DL", "HP", "HR", "JK", "LA", "PB", "RJ", "UP", "UT"].map((
      s,
    ) => [`IN-${s}`, "IN-NO"]),
    ["-99-X06~", "IN-NO"],
    ...["CT", "DH", "GA", "GJ", "MH", "MP"].map((s) => [`IN-${s}`, "IN-WE"]),
    ...["AP", "KA", "KL", "LD", "PY", "TG", "TN"].map((s) => [`IN-${s}`, "IN-SO"]),
    ...["AN", "BR", "JH", "OR", "SK", "WB"].map((s) => [`IN-${s}`, "IN-EA"]),
    ...["AR", "AS", "ML", "MN", "MZ", "NL", "TR"].map((s) => [`IN-${s}`, "IN-NE"]),
    // Japan: the ten general transmission areas, by prefecture.
    ["JP-01", "JP-HKD"],
    ...["02", "03", "04", "05", "06", "07", "15"].map((s) => [`JP-${s}`, "JP-TH"]),
    ...["08", "09", "10", "11", "12", "13", "14", "19"].map((s) => [`JP-${s}`, "JP-TK"]),
    // Shizuoka: Chubu Electric west of the Fuji River, TEPCO east of it (carved below).
    ...["20", "21", "22", "23", "24"].map((s) => [`JP-${s}`, "JP-CB"]),
    ...["16", "17", "18"].map((s) => [`JP-${s}`, "JP-HR"]),
    ...["25", "26", "27", "28", "29", "30"].map((s) => [`JP-${s}`, "JP-KN"]),
    ...["31", "32", "33", "34", "35"].map((s) => [`JP-${s}`, "JP-CG"]),
    ...["36", "37", "38", "39"].map((s) => [`JP-${s}`, "JP-SK"]),
    ...["40", "41", "42", "43", "44", "45", "46"].map((s) => [`JP-${s}`, "JP-KY"]),
    ["JP-47", "JP-ON"],
    // Malaysia: Borneo (Sabah, Sarawak, Labuan) and the peninsula.
    ...["12", "13", "15"].map((s) => [`MY-${s}`, "MY-EM"]),
    ...["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "14", "16"]
      .map((s) => [`MY-${s}`, "MY-WM"]),
    // Norway: bidding zones by county (pre-2020 counties, as Natural Earth has them).
    ...["01", "02", "03", "04", "05", "06", "07"].map((s) => [`NO-${s}`, "NO-NO1"]),
    ...["08", "09", "10", "11"].map((s) => [`NO-${s}`, "NO-NO2"]),
    ...["15", "16", "17"].map((s) => [`NO-${s}`, "NO-NO3"]),
    ...["18", "19", "20", "21"].map((s) => [`NO-${s}`, "NO-NO4"]),
    ...["12", "14"].map((s) => [`NO-${s}`, "NO-NO5"]),
    // Sweden: bidding zones by county.
    ["SE-BD", "SE-SE1"],
    ...["AC", "Z", "Y", "X"].map((s) => [`SE-${s}`, "SE-SE2"]),
    ...["M", "K", "G", "N"].map((s) => [`SE-${s}`, "SE-SE4"]),
    // Denmark: DK1 west of the Great Belt, DK2 east of it.
    ...["81", "82", "83"].map((s) => [`DK-${s}`, "DK-DK1"]),
    ...["84", "85"].map((s) => [`DK-${s}`, "DK-DK2"]),
  ]),
  // Spain: the North African cities and the island systems (per-island rectangles below).
  "ES-CE": "ES-CE",
  "ES-ML": "ES-ML",
  "ES-TF": "ES-CN-TE",
  "ES-GC": "ES-CN-GC",
  "ES-PM": "ES-IB-MA",
  // France: Corsica and the overseas regions, which have their own zones and ISO codes.
  "FR-2A": "FR-COR",
  "FR-2B": "FR-COR",
  "FR-GF": "GF",
  "FR-GP": "GP",
  "FR-MQ": "MQ",
  "FR-RE": "RE",
  "FR-YT": "YT",
  "PT-30": "PT-MA",
  "GB-ORK": "GB-ORK",
  "NO-X01~": "BV",
  // Crimea and Sevastopol: Natural Earth files them under Russia; ISO 3166 under Ukraine.
  "UA-43": "UA",
  "UA-40": "UA",
};

/** Countries whose admin-1 units map by Natural Earth's `region` field. */
export const REGION_ZONES: Record<string, Record<string, string>> = {
  IT: {
    "Valle d'Aosta": "IT-NO",
    "Piemonte": "IT-NO",
    "Lombardia": "IT-NO",
    "Trentino-Alto Adige": "IT-NO",
    "Liguria": "IT-NO",
    "Veneto": "IT-NO",
    "Friuli-Venezia Giulia": "IT-NO",
    "Emilia-Romagna": "IT-NO",
    "Toscana": "IT-CNO",
    "Umbria": "IT-CNO",
    "Marche": "IT-CNO",
    "Lazio": "IT-CSO",
    "Abruzzo": "IT-CSO",
    "Campania": "IT-CSO",
    "Molise": "IT-SO",
    "Apulia": "IT-SO",
    "Basilicata": "IT-SO",
    "Calabria": "IT-SO",
    "Sicily": "IT-SIC",
    "Sardegna": "IT-SAR",
  },
  RU: {
    "Central": "RU-1",
    "Northwestern": "RU-1",
    "Volga": "RU-1",
    "Urals": "RU-1",
    "Siberian": "RU-2",
    "Far Eastern": "RU-AS",
  },
  GB: { "Northern Ireland": "GB-NIR" },
};

/** Philippine regions -> grid, matched on the start of Natural Earth's `region` name. */
export const PH_GRIDS: [prefix: string, zone: string][] = [
  ["Western Visayas", "PH-VI"],
  ["Central Visayas", "PH-VI"],
  ["Eastern Visayas", "PH-VI"],
  ["Negros", "PH-VI"],
  ["Zamboanga", "PH-MI"],
  ["Northern Mindanao", "PH-MI"],
  ["Davao", "PH-MI"],
  ["SOCCSKSARGEN", "PH-MI"],
  ["Dinagat", "PH-MI"],
  ["Caraga", "PH-MI"],
  ["Autonomous Region in Muslim Mindanao", "PH-MI"],
  ["Bangsamoro", "PH-MI"],
];

/** Whole countries that map to a single zone key other than their ISO code. */
export const COUNTRY_ZONES: Record<string, string> = {
  CL: "CL-SEN",
  FO: "FO-MI",
  PH: "PH-LU",
  SE: "SE-SE3",
};

/** A rectangle carved out of a parent zone: points in both belong to `zone`. */
export interface ZoneCarve {
  zone: string;
  parent: string;
  bbox: BBox;
  /** Within the rectangle, only what lies east of this line (south point, north point). */
  eastOf?: [number[], number[]];
  note: string;
}

/**
 * The line of the Fuji River from its mouth in Suruga Bay (35.10 N, 138.645 E) north to the
 * Yamanashi border (35.40 N, 138.47 E), read off the river's course on the Geospatial
 * Information Authority of Japan's map (https://maps.gsi.go.jp/). TEPCO Power Grid supplies
 * Shizuoka east of it (Fuji, Fujinomiya, Numazu, Mishima, Gotemba, Atami, the Izu peninsula)
 * and Chubu Electric Power Grid the rest (Shizuoka city, Hamamatsu): TEPCO's service area page,
 * https://www.tepco.co.jp/pg/company/summary/area-j.html, and Chubu's,
 * https://powergrid.chuden.co.jp/corporate/area/. The frequency border also crosses Niigata
 * (Itoigawa) and Nagano, but there it runs inside one utility's area (Tohoku Electric serves
 * all of Niigata, Chubu Electric all of Nagano, TEPCO all of Yamanashi), and Electricity Maps'
 * zones follow the utilities, so those prefectures stay whole.
 */
const FUJI_RIVER: [number[], number[]] = [[138.645, 35.1], [138.47, 35.4]];

/** Islands and utilities smaller than an admin-1 unit. */
export const CARVES: ZoneCarve[] = [
  { zone: "AU-TAS-KI", parent: "AU-TAS", bbox: [143.7, -40.3, 144.2, -39.5], note: "King Island" },
  {
    zone: "AU-TAS-FI",
    parent: "AU-TAS",
    bbox: [147.6, -40.5, 148.6, -39.5],
    note: "Flinders Island",
  },
  {
    zone: "AU-WA-RI",
    parent: "AU-WA",
    bbox: [115.4, -32.1, 115.6, -31.95],
    note: "Rottnest Island",
  },
  { zone: "DK-BHM", parent: "DK-DK2", bbox: [14.6, 54.9, 15.3, 55.4], note: "Bornholm" },
  {
    // Svenska kraftnät's bidding-zone map (https://www.svk.se/en/national-grid/the-control-
    // room/bidding-zones/) draws the SE2/SE3 line north of Gävle and Sandviken, through
    // Gävleborg county, which the admin-1 rules give wholly to SE2.
    zone: "SE-SE3",
    parent: "SE-SE2",
    bbox: [15.9, 60.0, 17.8, 60.8],
    note: "southern Gävleborg: Gävle, Sandviken, Hofors",
  },
  {
    zone: "JP-TK",
    parent: "JP-CB",
    bbox: [138.35, 35.05, 139.5, 35.6],
    eastOf: FUJI_RIVER,
    note: "Shizuoka east of the Fuji River",
  },
  {
    zone: "JP-TK",
    parent: "JP-CB",
    bbox: [138.674, 34.4, 139.5, 35.05],
    note: "Shizuoka east of Suruga Bay: the Izu peninsula, Numazu",
  },
  { zone: "ES-CN-LP", parent: "ES-CN-TE", bbox: [-18.1, 28.4, -17.6, 28.9], note: "La Palma" },
  { zone: "ES-CN-HI", parent: "ES-CN-TE", bbox: [-18.2, 27.6, -17.8, 27.9], note: "El Hierro" },
  { zone: "ES-CN-IG", parent: "ES-CN-TE", bbox: [-17.4, 27.9, -17.05, 28.25], note: "La Gomera" },
  { zone: "ES-CN-LZ", parent: "ES-CN-GC", bbox: [-13.95, 28.8, -13.3, 29.5], note: "Lanzarote" },
  {
    zone: "ES-CN-FV",
    parent: "ES-CN-GC",
    bbox: [-14.6, 27.9, -13.75, 28.79],
    note: "Fuerteventura",
  },
  { zone: "ES-IB-ME", parent: "ES-IB-MA", bbox: [3.7, 39.7, 4.4, 40.2], note: "Menorca" },
  { zone: "ES-IB-IZ", parent: "ES-IB-MA", bbox: [1.1, 38.78, 1.7, 39.2], note: "Ibiza" },
  { zone: "ES-IB-FO", parent: "ES-IB-MA", bbox: [1.3, 38.6, 1.7, 38.78], note: "Formentera" },
  { zone: "FO-SI", parent: "FO-MI", bbox: [-7.1, 61.3, -6.5, 61.65], note: "Suduroy" },
  {
    zone: "US-AK-SEAPA",
    parent: "US-AK",
    bbox: [-133.7, 54.6, -129.9, 57.0],
    note: "Ketchikan, Wrangell, Petersburg",
  },
];
