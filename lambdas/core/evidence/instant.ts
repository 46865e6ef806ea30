// The one reading of a point in time that the recording routes and commands take: an ISO 8601
// date (`2026-11-01`, in UTC: its first millisecond as a start, its last as an end) or a time with
// its zone (`2026-11-01T09:30:00Z`, `…+01:00`). A time without a zone is refused rather than read
// in whatever zone the gateway runs in, and a date the calendar does not have (`2026-02-30`) is
// refused rather than rolled over.

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-](\d{2}):(\d{2}))?)?$/;
const DAY_MS = 86_400_000;

/** The instant, or why `text` is not one (a sentence about `name`). */
export const parseInstant = (name: string, text: string, bound: 'start' | 'end'): Date | string => {
  const shown = JSON.stringify(text);
  const match = INSTANT.exec(text);
  if (!match)
    return `${name} ${shown} is not an ISO 8601 date or time: write e.g. 2026-11-01 or 2026-11-01T09:30:00Z`;
  const [, year, month, day, hour, minute, second, zone, zoneHours, zoneMinutes] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (
    date.getUTCFullYear() !== Number(year) ||
    date.getUTCMonth() !== Number(month) - 1 ||
    date.getUTCDate() !== Number(day)
  )
    return `${name} ${shown} is not a date of the calendar`;
  if (hour === undefined) return bound === 'start' ? date : new Date(date.getTime() + DAY_MS - 1);
  if (zone === undefined)
    return `${name} ${shown} needs its time zone: end it with Z or an offset like +01:00`;
  if (
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second ?? 0) > 59 ||
    Number(zoneHours ?? 0) > 23 ||
    Number(zoneMinutes ?? 0) > 59
  )
    return `${name} ${shown} is not a time of the day`;
  const time = Date.parse(text);
  return Number.isNaN(time) ? `${name} ${shown} is not a time` : new Date(time);
};
