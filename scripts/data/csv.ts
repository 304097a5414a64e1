/**
 * CSV helpers for the generators that read CSV tables (gen_cloud.ts, us_counties.ts).
 *
 * @module
 */

/**
 * Splits one CSV line with quoted fields ("lat,lon", "Southern Company Services, Inc.").
 *
 * @param line One line.
 * @returns Its fields.
 */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      fields.push(field);
      field = "";
    } else field += ch;
  }
  fields.push(field);
  return fields;
}
