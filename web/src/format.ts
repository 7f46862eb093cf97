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
