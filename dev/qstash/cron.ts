/**
 * QStash's cron expressions (docs: features/schedules, api-reference schedules): five fields,
 * minute hour day-of-month month day-of-week, read in UTC or in the IANA zone of a
 * `CRON_TZ=Zone ` prefix. The grammar is robfig/cron's standard one, which QStash's own error
 * text points to ("Invalid cron expression empty spec string", quoted in qstash-js PR #50):
 * `*`, numbers, names (JAN–DEC, SUN–SAT, any case), ranges `a-b`, steps `x/n` (`5/20` means
 * 5-59/20) and lists `a,b`; day-of-week runs 0–6, Sunday 0. When both day fields are restricted
 * a day matches either (`0 0 13 * FRI`: every 13th and every Friday); when one is `*` (unstepped)
 * both must. What QStash does not document is refused with a message rather than guessed at:
 * descriptors (`@daily`, `@every 5m`), the `TZ=` spelling, `?`, `L`, `W`, `#`, day-of-week 7.
 * When an expression fires is cron-time.ts's business.
 */
export type Cron = {
  /** The expression as given, trimmed: what the schedule shows. */
  source: string;
  /** IANA zone the fields are read in ("UTC" without a CRON_TZ prefix). */
  timeZone: string;
  /** Allowed values of each field, ascending. */
  minutes: number[];
  hours: number[];
  days: number[];
  months: number[];
  weekdays: number[];
  /** The day-of-month / day-of-week field was an unstepped `*`: then both day fields must match. */
  anyDay: boolean;
  anyWeekday: boolean;
};

export type CronParse = { ok: true; cron: Cron } | { ok: false; error: string };

type Field = { name: string; min: number; max: number; names?: string[] };

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  },
  { name: "day-of-week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];
/** Days in each month of a leap year: a day-of-month no listed month has can never fire. */
const LONGEST_MONTHS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

class CronError extends Error {}
const fail = (reason: string): never => {
  throw new CronError(reason);
};

/** Parses an Upstash-Cron value; the error names the expression and what is wrong with it. */
export function parseCron(spec: string): CronParse {
  const source = spec.trim();
  try {
    return { ok: true, cron: build(source) };
  } catch (error) {
    if (!(error instanceof CronError)) throw error;
    return { ok: false, error: `Invalid cron expression "${source}": ${error.message}` };
  }
}

function build(source: string): Cron {
  if (!source) fail("it is empty (Upstash-Cron needs five fields, e.g. */5 * * * *)");
  let words = source.split(/\s+/);
  let timeZone = "UTC";
  if (words[0].startsWith("CRON_TZ=")) {
    timeZone = words[0].slice("CRON_TZ=".length);
    if (!isTimeZone(timeZone))
      fail(`unknown time zone "${timeZone}" (CRON_TZ takes an IANA name, e.g. America/New_York)`);
    words = words.slice(1);
  } else if (words[0].startsWith("TZ="))
    fail("write the zone as CRON_TZ=<zone>, the prefix QStash documents");
  if (words[0]?.startsWith("@"))
    fail(
      `descriptors such as ${words[0]} are not implemented by the local QStash stand-in (QStash documents five-field expressions)`,
    );
  if (words.length !== 5)
    fail(`expected 5 fields (minute hour day-of-month month day-of-week), found ${words.length}`);
  const [minutes, hours, days, months, weekdays] = words.map((w, i) => parseField(w, FIELDS[i]));
  const cron: Cron = {
    source,
    timeZone,
    minutes: minutes.values,
    hours: hours.values,
    days: days.values,
    months: months.values,
    weekdays: weekdays.values,
    anyDay: days.any,
    anyWeekday: weekdays.any,
  };
  // Only "this day of the month, any weekday" can ask for a day no month has (30 February).
  const daysAlone = !cron.anyDay && cron.anyWeekday;
  if (daysAlone && !cron.months.some((m) => cron.days[0] <= LONGEST_MONTHS[m - 1]))
    fail("no month it names has the day of the month it names, so it would never fire");
  return cron;
}

function parseField(text: string, f: Field): { values: number[]; any: boolean } {
  const values = new Set<number>();
  let any = false;
  for (const part of text.split(",")) {
    const where = `${f.name} "${part}"`;
    const [range, stepText, extra] = part.split("/");
    if (extra !== undefined) fail(`${where}: more than one "/"`);
    const step = stepText === undefined ? 1 : value(stepText, { ...f, names: undefined }, where);
    if (step < 1) fail(`${where}: the step must be at least 1`);
    let [low, high] = [f.min, f.max];
    if (range === "*") any ||= step === 1;
    else {
      const [from, to, more] = range.split("-");
      if (more !== undefined) fail(`${where}: more than one "-"`);
      low = value(from, f, where);
      // "5/20" runs from 5 to the field's end; a lone "5" is just 5.
      high = to !== undefined ? value(to, f, where) : stepText !== undefined ? f.max : low;
    }
    if (low < f.min || high > f.max) fail(`${where}: outside ${f.min}-${f.max}`);
    if (low > high) fail(`${where}: the range runs backwards`);
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return { values: [...values].sort((a, b) => a - b), any };
}

function value(text: string, f: Field, where: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return f.min + named;
  const names = f.names ? ` or a name (${f.names[0].toUpperCase()}…)` : "";
  return fail(`${where}: "${text}" is not a number${names}`);
}

function isTimeZone(name: string): boolean {
  // Intl also takes offsets ("+02:00"), which are not IANA names.
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
