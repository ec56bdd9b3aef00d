import type { TimeIntervalItemDto, TimeIntervalSpecDto } from '@airis/contracts';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

interface WallClock {
  weekday: number;
  day: number;
  daysInMonth: number;
  month: number;
  minute: number;
}

function wallClock(now: number, location: string | undefined): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: location ?? 'UTC',
    hourCycle: 'h23',
    weekday: 'long',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(now));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const year = Number(get('year'));
  const month = Number(get('month'));
  return {
    weekday: WEEKDAYS.indexOf(get('weekday').toLowerCase()),
    day: Number(get('day')),
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
    month,
    minute: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

function inRanges(value: number, ranges: string[], parse: (s: string) => number): boolean {
  return ranges.some((r) => {
    const [a, b] = r.split(':');
    const from = parse(a ?? '');
    const to = b === undefined ? from : parse(b);
    return value >= from && value <= to;
  });
}

function named(list: string[], offset: number): (s: string) => number {
  return (s) => (/^\d+$/.test(s) ? Number(s) : list.indexOf(s) + offset);
}

function itemMatches(item: TimeIntervalItemDto, c: WallClock): boolean {
  if (item.weekdays?.length && !inRanges(c.weekday, item.weekdays, named(WEEKDAYS, 0))) return false;
  if (item.months?.length && !inRanges(c.month, item.months, named(MONTHS, 1))) return false;
  if (item.days_of_month?.length) {
    // Negative days count from the end of the month (-1 = last day).
    const day = (s: string): number => {
      const n = Number(s);
      return n < 0 ? c.daysInMonth + n + 1 : n;
    };
    if (!inRanges(c.day, item.days_of_month, day)) return false;
  }
  if (item.times?.length) {
    const minutes = (hhmm: string): number => {
      const [h, m] = hhmm.split(':');
      return Number(h) * 60 + Number(m);
    };
    // End is exclusive, as in Alertmanager.
    if (!item.times.some((t) => c.minute >= minutes(t.start_time) && c.minute < minutes(t.end_time))) return false;
  }
  return true;
}

/** True when `now` falls in any of the interval's recurring windows. */
export function inTimeInterval(spec: TimeIntervalSpecDto, now: number): boolean {
  const clock = wallClock(now, spec.location);
  return spec.time_intervals.some((item) => itemMatches(item, clock));
}
