// An interaction's text with its extraction spans marked: concepts (tinted by the sentiment of
// their clause), entities, identifiers, and the evidence of intents and emotions. Offsets index
// the original text, so the marks are cut from it directly.

import type { InteractionDetail, Opinion, Span } from "../types";
import { conceptName, tone } from "../format";

export type MarkKind = "concept" | "entity" | "identifier" | "signal";

export interface Mark {
  start: number;
  end: number;
  kind: MarkKind;
  label: string;
  tone?: string;
}

export function markKind(span: Span): MarkKind {
  if (span.label === "CONCEPT") return "concept";
  if (span.referenceValue !== null && span.referenceValue !== undefined) return "identifier";
  return "entity";
}

/** The aspect opinion of a concept span: the sentiment of the clause the span sits in. */
export function opinionOf(detail: InteractionDetail, span: Span): Opinion | undefined {
  const exact = `${detail.interactionId}:aspect:${span.start}:${span.refersTo}`;
  return detail.opinions.find((o) => o.opinionId === exact)
    ?? detail.opinions.find((o) => o.aspect !== null && o.aspect === span.refersTo);
}

export function marksOf(detail: InteractionDetail): Mark[] {
  const text = detail.text ?? "";
  const marks: Mark[] = detail.spans.map((span) => {
    const kind = markKind(span);
    const opinion = kind === "concept" ? opinionOf(detail, span) : undefined;
    const what = kind === "concept" ? `concept ${conceptName(span.refersTo ?? span.text)}`
      : kind === "identifier" ? `${span.label.toLowerCase()} ${span.referenceValue}`
        : `${span.label.toLowerCase()} entity`;
    const feeling = opinion ? `, clause sentiment ${opinion.polarity} ${opinion.score.toFixed(2)}`
      : "";
    return { start: span.start, end: span.end, kind, label: what + feeling,
             tone: opinion ? tone(opinion.score) : undefined };
  });
  for (const [family, signals] of [["intent", detail.intents], ["emotion", detail.emotions]] as const) {
    for (const signal of signals) {
      if (!signal.evidence) continue;
      const at = text.toLowerCase().indexOf(signal.evidence.toLowerCase());
      if (at >= 0) {
        marks.push({ start: at, end: at + signal.evidence.length, kind: "signal",
                     label: `${family} ${signal.category}` });
      }
    }
  }
  return marks.filter((m) => m.start >= 0 && m.end <= text.length && m.end > m.start);
}

const PRIORITY: MarkKind[] = ["concept", "entity", "identifier", "signal"];

export function Highlighted({ detail }: { detail: InteractionDetail }) {
  const text = detail.text ?? "";
  const marks = marksOf(detail);
  const cuts = [...new Set([0, text.length, ...marks.flatMap((m) => [m.start, m.end])])]
    .sort((a, b) => a - b);
  const pieces = [];
  for (let n = 0; n < cuts.length - 1; n++) {
    const [from, to] = [cuts[n], cuts[n + 1]];
    const covering = marks.filter((m) => m.start <= from && m.end >= to);
    const piece = text.slice(from, to);
    if (!covering.length) {
      pieces.push(piece);
      continue;
    }
    covering.sort((a, b) => PRIORITY.indexOf(a.kind) - PRIORITY.indexOf(b.kind));
    const classes = covering.map((m) => `mark-${m.kind}${m.tone ? ` tone-${m.tone}` : ""}`);
    const title = covering.map((m) => m.label).join("; ");
    pieces.push(<mark key={from} class={classes.join(" ")} title={title}
                      data-kind={covering[0].kind} data-start={from} data-end={to}
                      aria-label={`${piece} (${title})`}>{piece}</mark>);
  }
  return <p class="highlighted" data-testid="highlighted-text">{pieces}</p>;
}

export function Legend() {
  return (
    <ul class="legend" aria-label="Highlight legend">
      <li><mark class="mark-concept tone-negative">concept</mark> tinted by its clause’s sentiment
        (<span class="tone-text-negative">negative</span>, <span class="tone-text-neutral">neutral</span>,
        {" "}<span class="tone-text-positive">positive</span>)</li>
      <li><mark class="mark-entity">entity</mark></li>
      <li><mark class="mark-identifier">identifier</mark></li>
      <li><mark class="mark-signal">intent / emotion evidence</mark></li>
    </ul>
  );
}
