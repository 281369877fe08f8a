/**
 * `Date.prototype.toISOString`'s text from the UTC fields alone. V8's own toISOString works out
 * the local time zone's offset first (seen under gdb on Node 20, 22 and 24), and the first time
 * it does, ICU loads its time zone data into the process: about 1 MB resident in a service that
 * never needs local time. Pure: imports nothing.
 */
const pad = (value: number, width = 2) => String(value).padStart(width, "0");

/** `YYYY-MM-DDTHH:mm:ss.sssZ` of epoch milliseconds `ms`, for years 0 to 9999 as toISOString. */
export function utcISO(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`
  );
}
