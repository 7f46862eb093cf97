// Formatting shared by every page: dates, numbers, sentiment, ids.

const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short",
                                                   timeZone: "UTC" });
const dateOnly = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export function when(value: string | null | undefined, withTime = true): string {
  if (!value) return "—";
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) return value;
  return (withTime ? dateTime : dateOnly).format(moment);
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toLocaleString("en-GB");
}

export function decimal(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? "—" : value.toFixed(digits);
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

/** A length of time in words a person reads at a glance: "45 s", "12 min", "2 h 30 min",
 * "3 d 4 h". */
export function elapsed(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** A date input's day ("2025-04-10") as the start of that day in UTC; `days` moves it.
 * Anything else (an empty or half-typed input) is undefined. */
export function dayStart(day: string, days = 0): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const moment = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(moment.getTime())) return undefined;
  moment.setUTCDate(moment.getUTCDate() + days);
  return `${moment.toISOString().slice(0, 10)}T00:00:00Z`;
}

/** A report's window [since, until) for people: whole days as days, the end day included
 * ("1 Apr 2025 – 10 Apr 2025"); other bounds with their time (UTC). */
export function period(since: string, until: string): string {
  const midnight = (value: string) => /T00:00:00(\.0+)?(Z|[+-]00:00)?$/.test(value);
  const start = when(since, !midnight(since));
  let end: string;
  if (midnight(until)) {
    const last = new Date(until);
    last.setUTCDate(last.getUTCDate() - 1);
    end = Number.isNaN(last.getTime()) ? until : when(last.toISOString(), false);
  } else {
    end = when(until);
  }
  return `${start} – ${end}`;
}

export type Tone = "negative" | "neutral" | "positive" | "none";

export function tone(score: number | null | undefined): Tone {
  if (score === null || score === undefined) return "none";
  if (score <= -0.05) return "negative";
  if (score >= 0.05) return "positive";
  return "neutral";
}

/** "ckc:late-delivery" or a concept IRI to a readable label when no prefLabel came with it. */
export function conceptName(id: string, labels?: Map<string, string>): string {
  const known = labels?.get(id);
  if (known) return known;
  const tail = id.split(/[/#:]/).pop() ?? id;
  return tail.replace(/[-_]/g, " ");
}

export function titleCase(text: string | null | undefined): string {
  if (!text) return "—";
  return text.replace(/[-_]/g, " ").replace(/\b\w/g, (c) => c.toUpperCase());
}
