import { invalidParameter } from "./errors.ts";

const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A `from`/`to` value: `YYYY-MM-DDTHH:MM:ssZ` as documented, also without seconds (the legacy format), with
 * fractional seconds, or with a numeric offset. A time without a zone is UTC, as SparkPost reads it.
 */
export function parseTime(value: string, param: string): Date {
  const match = TIME.exec(value);
  if (match) {
    const [, year, month, day, hour, minute, second = "0", fraction = "", zone = "Z"] = match;
    const fields = [year, month, day, hour, minute, second].map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const [y, mo, d, h, mi, s] = fields;
    const utc = Date.UTC(y, mo - 1, d, h, mi, s);
    const check = new Date(utc);
    const valid =
      y >= 1970 &&
      y < 3000 &&
      check.getUTCMonth() === mo - 1 &&
      check.getUTCDate() === d &&
      check.getUTCHours() === h &&
      check.getUTCMinutes() === mi &&
      check.getUTCSeconds() === s;
    if (valid) {
      const millis = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
      return new Date(utc + millis - offsetMinutes(zone) * 60_000);
    }
  }
  throw invalidParameter(
    param,
    "invalid date",
    `'${param}' must be a UTC time in the format YYYY-MM-DDTHH:MM:ssZ, e.g. 2024-05-01T08:00:00Z`,
  );
}

function offsetMinutes(zone: string): number {
  if (zone === "Z") return 0;
  const digits = zone.replace(":", "");
  const sign = digits.startsWith("-") ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}
