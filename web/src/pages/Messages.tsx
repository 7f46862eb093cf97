// Message search: what customers wrote and what we replied, found by meaning and by words
// (GET /search), narrowed by channel, sentiment, direction, dates and concept, paged.

import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

import { query } from "../api";
import { useInspector } from "../components/Inspector";
import { Snippet } from "../components/Snippet";
import { Empty, ErrorBox, Loading } from "../components/States";
import { conceptName, count, dayStart, titleCase, when } from "../format";
import { useApi, useDebounced, useTitle } from "../hooks";
import { href } from "../router";
import type { Direction, MessageSearchPage, SearchHit, SearchMode, SentimentLabel } from "../types";

const QUERY_KEY = "kg.lastMessageSearch";
const FILTERS_KEY = "kg.messageFilters";
const LIMIT = 20;
const MAX_OFFSET = 1000; // the API pages through each index's nearest thousand at most

/** The channels a message can come from (kg/ingestion/records.py ChannelId). */
const CHANNELS = ["twitter", "facebook", "instagram", "social", "email", "phone", "chat",
  "survey", "forum", "review", "webform", "store", "postal", "regulator"] as const;
const SENTIMENTS: SentimentLabel[] = ["negative", "neutral", "positive"];
const DIRECTIONS: { value: Direction; label: string }[] = [
  { value: "inbound", label: "From customers" }, { value: "outbound", label: "From us" }];
const MODES: { value: SearchMode; label: string }[] = [
  { value: "hybrid", label: "Meaning and words" }, { value: "vector", label: "Meaning" },
  { value: "text", label: "Words" }];

export interface MessageFilters {
  channel: string; sentiment: "" | SentimentLabel; direction: "" | Direction;
  from: string; to: string; concept: string; mode: SearchMode;
}

const NO_FILTERS: MessageFilters = { channel: "", sentiment: "", direction: "", from: "",
  to: "", concept: "", mode: "hybrid" };

function savedFilters(): MessageFilters {
  try {
    const saved = JSON.parse(sessionStorage.getItem(FILTERS_KEY) ?? "{}") as Partial<MessageFilters>;
    const valid = Object.fromEntries(Object.entries(saved).filter(
      ([name, value]) => name in NO_FILTERS && typeof value === "string"));
    return { ...NO_FILTERS, ...valid };
  } catch {
    return NO_FILTERS;
  }
}

function hasFilters(filters: MessageFilters): boolean {
  return (Object.keys(NO_FILTERS) as (keyof MessageFilters)[])
    .some((name) => filters[name] !== NO_FILTERS[name]);
}

/** The API path of a search. The API's `until` excludes its instant, so the "to" day is sent
 * as the start of the next day: the day chosen is included. */
export function searchPath(q: string, filters: MessageFilters, offset: number): string {
  return `/search${query({
    q, channel: filters.channel, sentiment: filters.sentiment, direction: filters.direction,
    concept: filters.concept.trim(), since: dayStart(filters.from), until: dayStart(filters.to, 1),
    mode: filters.mode === "hybrid" ? undefined : filters.mode, offset: offset || undefined,
    limit: LIMIT,
  })}`;
}

export function MessagesPage() {
  useTitle("Message search");
  const [text, setText] = useState(() => sessionStorage.getItem(QUERY_KEY) ?? "");
  const [filters, setFilters] = useState<MessageFilters>(savedFilters);
  const settled = useDebounced(text.trim(), 200);
  const concept = useDebounced(filters.concept, 300);
  // Paging belongs to one search: any change of query or filter starts again at the first page.
  const criteria = searchPath(settled, { ...filters, concept }, 0);
  const [paging, setPaging] = useState({ criteria, offset: 0 });
  const offset = paging.criteria === criteria ? paging.offset : 0;
  const paged = useRef(false);
  const { data, error, loading, reload } = useApi<MessageSearchPage>(
    settled ? searchPath(settled, { ...filters, concept }, offset) : null);
  const update = (value: string) => {
    setText(value);
    sessionStorage.setItem(QUERY_KEY, value);
  };
  const change = (next: MessageFilters) => {
    setFilters(next);
    sessionStorage.setItem(FILTERS_KEY, JSON.stringify(next));
  };
  return (
    <div class="page page-search page-messages">
      <h1>Message search</h1>
      <p class="muted small"><a href="#/">Search customers instead</a></p>
      <form class="search-box" role="search" onSubmit={(e) => e.preventDefault()}>
        <label for="message-search" class="sr-only">Search messages</label>
        <span class="search-icon" aria-hidden="true">⌕</span>
        <input id="message-search" type="search" value={text} autoFocus autoComplete="off"
               maxLength={500}
               placeholder="What was said, e.g. parcel never arrived"
               aria-describedby="message-search-help" aria-controls="message-results"
               onInput={(e) => update((e.target as HTMLInputElement).value)} />
      </form>
      <p id="message-search-help" class="muted small">Finds messages that mean the same as your words, and messages that use them; matched words are highlighted.</p>
      <FilterBar filters={filters} onChange={change} />
      <div id="message-results" aria-live="polite">
        {!settled && <Empty>Type to search what customers wrote and what we replied, by meaning and by words.</Empty>}
        {settled && loading && <Loading label="Searching messages" />}
        {error && <ErrorBox error={error} onRetry={reload} />}
        {data && settled && !loading && !error && (data.items.length === 0
          ? <Empty>No message matches “{settled}”{hasFilters(filters) ? " with these filters" : ""}. Try other words or fewer filters.</Empty>
          : <Results page={data} paged={paged}
                     onPage={(next) => { paged.current = true; setPaging({ criteria, offset: next }); }} />)}
      </div>
    </div>
  );
}

function FilterBar({ filters, onChange }: { filters: MessageFilters;
                                           onChange: (next: MessageFilters) => void }) {
  const set = (name: keyof MessageFilters) => (event: Event) =>
    onChange({ ...filters, [name]: (event.target as HTMLInputElement | HTMLSelectElement).value });
  return (
    <fieldset class="message-filters">
      <legend class="sr-only">Filters</legend>
      <Field id="filter-channel" label="Channel">
        <select id="filter-channel" value={filters.channel} onChange={set("channel")}>
          <option value="">All channels</option>
          {CHANNELS.map((c) => <option key={c} value={c}>{titleCase(c)}</option>)}
        </select>
      </Field>
      <Field id="filter-sentiment" label="Sentiment">
        <select id="filter-sentiment" value={filters.sentiment} onChange={set("sentiment")}>
          <option value="">Any sentiment</option>
          {SENTIMENTS.map((s) => <option key={s} value={s}>{titleCase(s)}</option>)}
        </select>
      </Field>
      <Field id="filter-direction" label="Direction">
        <select id="filter-direction" value={filters.direction} onChange={set("direction")}>
          <option value="">Both directions</option>
          {DIRECTIONS.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
        </select>
      </Field>
      <Field id="filter-from" label="From">
        <input id="filter-from" type="date" value={filters.from} max={filters.to || undefined}
               onChange={set("from")} />
      </Field>
      <Field id="filter-to" label="To">
        <input id="filter-to" type="date" value={filters.to} min={filters.from || undefined}
               onChange={set("to")} />
      </Field>
      <Field id="filter-concept" label="Concept id">
        <input id="filter-concept" type="text" value={filters.concept} onInput={set("concept")}
               maxLength={200} autoComplete="off" placeholder="e.g. ckc:late-delivery" spellcheck={false} />
      </Field>
      <Field id="filter-mode" label="Match by">
        <select id="filter-mode" value={filters.mode} onChange={set("mode")}>
          {MODES.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
        </select>
      </Field>
      {hasFilters(filters) && <button type="button" class="button small" onClick={() => onChange(NO_FILTERS)}>Clear filters</button>}
    </fieldset>
  );
}

/** A control under its label; the label names it exactly (not with the control's value). */
function Field({ id, label, children }: { id: string; label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
    </div>
  );
}

function Results({ page, paged, onPage }: { page: MessageSearchPage;
  paged: { current: boolean }; onPage: (offset: number) => void }) {
  // After Previous or Next the buttons are gone while the page loads: the focus goes to the
  // new page's count, so keyboard and screen-reader users carry on from the top of the list.
  const status = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (!paged.current) return;
    paged.current = false;
    status.current?.focus();
  }, [page]);
  const first = page.offset + 1;
  const last = page.offset + page.items.length;
  const hasNext = last < page.total && page.offset + page.limit <= MAX_OFFSET;
  return (
    <>
      <p ref={status} class="muted small" role="status" tabIndex={-1} id="message-results-status">
        {count(page.total)} message{page.total === 1 ? "" : "s"} match{page.total === 1 ? "es" : ""}; {first === last ? `${first}` : `${first}–${last}`} shown.
      </p>
      <ol class="message-list" data-testid="message-results" start={first}>
        {page.items.map((hit) => <MessageHit key={hit.interactionId} hit={hit} />)}
      </ol>
      {(page.offset > 0 || hasNext) && (
        <nav class="pager" aria-label="Result pages">
          <button type="button" class="button" disabled={page.offset === 0}
                  onClick={() => onPage(Math.max(0, page.offset - page.limit))}>Previous</button>
          <span class="muted small">Page {Math.floor(page.offset / page.limit) + 1} of {Math.ceil(page.total / page.limit)}</span>
          <button type="button" class="button" disabled={!hasNext}
                  onClick={() => onPage(page.offset + page.limit)}>Next</button>
        </nav>
      )}
    </>
  );
}

const TONES: readonly string[] = SENTIMENTS;

function matchedBy(hit: SearchHit): string {
  const ranks = [hit.vectorRank && `meaning #${hit.vectorRank}`, hit.textRank && `words #${hit.textRank}`];
  return ranks.filter(Boolean).join(" · ");
}

function MessageHit({ hit }: { hit: SearchHit }) {
  const { openInteraction, openCase } = useInspector();
  const sentiment = hit.sentiment && TONES.includes(hit.sentiment) ? hit.sentiment : null;
  return (
    <li class={`message-hit dir-${hit.direction}`} data-interaction={hit.interactionId}>
      <div class="hit-head">
        <time dateTime={hit.occurredAt ?? undefined}>{when(hit.occurredAt)}</time>
        <span class="chip"><span class={`channel-dot ch-${hit.channelId}`} aria-hidden="true" />{titleCase(hit.channelId)}</span>
        <span class="muted small">{hit.direction === "outbound" ? "from us" : "from customer"}</span>
        <span class={`badge tone-${sentiment ?? "none"}`}>{sentiment ?? "no sentiment"}</span>
        <span class="muted small hit-rank" title="rank by meaning and by words">{matchedBy(hit)}</span>
      </div>
      <Snippet text={hit.snippet} highlights={hit.highlights} />
      <div class="hit-meta">
        {hit.customer && (
          <a href={href("customers", hit.customer.customerId)} title="Open the customer’s 360° view">
            {hit.customer.displayName ?? hit.customer.customerId}
          </a>
        )}
        {hit.case && (
          <span class="small">Case <button type="button" class="link-button mono" onClick={() => openCase(hit.case!.caseId)}
                  aria-label={`Open case ${hit.case.caseId}`}>{hit.case.caseId}</button>
            {hit.case.caseStatus && <> <span class={`badge status-${hit.case.caseStatus}`}>{titleCase(hit.case.caseStatus)}</span></>}
          </span>
        )}
        {hit.concepts.length > 0 && (
          <ul class="plain concept-chips" aria-label="Concepts">
            {hit.concepts.map((c) => (
              <li key={c.conceptId}><a class="chip chip-concept" href={href("concepts", c.conceptId)}>{c.prefLabel ?? conceptName(c.conceptId)}</a></li>
            ))}
          </ul>
        )}
        <button type="button" class="link-button small hit-open" onClick={() => openInteraction(hit.interactionId)}
                aria-label={`Open the message of ${when(hit.occurredAt)}`}>Open message</button>
      </div>
    </li>
  );
}
