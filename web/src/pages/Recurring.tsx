// Recurring questions: what customers keep asking, grouped by meaning (GET
// /insights/recurring-questions), with how the brand answers and what a published answer would
// save; and the emerging topics no concept covers yet, each with a SKOS concept to review
// (GET /insights/emerging-topics).

import { useRef, useState } from "preact/hooks";

import { query } from "../api";
import { useInspector } from "../components/Inspector";
import { Empty, ErrorBox, Loading, Section } from "../components/States";
import { conceptName, count, dayStart, elapsed, percent, period, when } from "../format";
import { useApi, useTitle } from "../hooks";
import { href } from "../router";
import type { EmergingTopic, EmergingTopics, QuestionExample, QuestionTrend, RecurringQuestion,
  RecurringQuestions } from "../types";

const LIMIT = 20;

interface Days { from: string; to: string }

/** The API's window parameters: empty days leave the server's default; the API's `until`
 * excludes its instant, so the "to" day is sent as the start of the next day (included). */
function windowParams(days: Days) {
  return { since: dayStart(days.from), until: dayStart(days.to, 1) };
}

function candidatesText(candidates: number, groups: number): string {
  if (candidates === 0) return "none of the groups below is a candidate";
  if (candidates === groups) {
    return groups === 1 ? "the group below is a candidate" : `all ${groups} groups below are candidates`;
  }
  return `${candidates} of the ${groups} groups below ${candidates === 1 ? "is a candidate" : "are candidates"}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

export function RecurringPage() {
  useTitle("Recurring questions");
  const [days, setDays] = useState<Days>({ from: "", to: "" });
  const params = windowParams(days);
  // Paging belongs to one window: another window starts again at the first page.
  const criteria = `${params.since ?? ""}|${params.until ?? ""}`;
  const [paging, setPaging] = useState({ criteria, offset: 0 });
  const offset = paging.criteria === criteria ? paging.offset : 0;
  const recurring = useApi<RecurringQuestions>(`/insights/recurring-questions${query({
    ...params, offset: offset || undefined, limit: LIMIT })}`);
  const emerging = useApi<EmergingTopics>(`/insights/emerging-topics${query(params)}`);
  const set = (name: keyof Days) => (event: Event) =>
    setDays({ ...days, [name]: (event.target as HTMLInputElement).value });
  const chosen = Boolean(days.from || days.to);
  return (
    <div class="page page-recurring">
      <h1>Recurring questions</h1>
      <p class="lead">What customers keep asking or complaining about, grouped by meaning: how
        often, whether it is growing, how we answer it and how fast, and whether other customers
        answer it for us. A question we keep answering the same way is a candidate for a
        published answer (an FAQ or help article).</p>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Time window">
        <label class="field inline" for="recurring-from"><span>From</span>
          <input id="recurring-from" type="date" value={days.from}
                 max={days.to || undefined} onChange={set("from")} /></label>
        <label class="field inline" for="recurring-to"><span>To</span>
          <input id="recurring-to" type="date" value={days.to}
                 min={days.from || undefined} onChange={set("to")} /></label>
        {chosen && <button type="button" class="button small" onClick={() => setDays({ from: "", to: "" })}>Default window</button>}
        <span class="muted small">{chosen ? "The To day is included." : "Empty: the 28 days up to the newest activity (emerging topics: the last 7 days)."}</span>
      </form>

      <Section title="Question groups" id="recurring" wide>
        {recurring.loading && !recurring.data && <Loading label="Grouping recurring questions" />}
        {recurring.error && <ErrorBox error={recurring.error} onRetry={recurring.reload} />}
        {recurring.data && !recurring.error && (
          <Groups report={recurring.data} offset={offset} loading={recurring.loading}
                  onPage={(next) => setPaging({ criteria, offset: next })} />
        )}
      </Section>

      <Section title="Emerging topics" id="emerging" wide>
        <p class="muted small">Groups of messages that grew against the period of the same length
          before and that no concept of the taxonomy covers yet, with a SKOS concept suggested for
          review (<code>kg ontology suggest</code> writes them all).</p>
        {emerging.loading && !emerging.data && <Loading label="Looking for emerging topics" />}
        {emerging.error && <ErrorBox error={emerging.error} onRetry={emerging.reload} />}
        {emerging.data && !emerging.error && <Topics report={emerging.data} />}
      </Section>
    </div>
  );
}

function Groups({ report, offset, loading, onPage }: { report: RecurringQuestions; offset: number;
  loading: boolean; onPage: (offset: number) => void }) {
  const hasNext = report.groups.length === LIMIT;
  const candidates = report.groups.filter((g) => g.publishedAnswerCandidate).length;
  return (
    <div aria-busy={loading}>
      <p class="muted small" data-testid="recurring-window">
        Window: <strong>{period(report.since, report.until)}</strong> (UTC), against the period of the same length before.
      </p>
      {report.groups.length === 0
        ? <Empty>{offset > 0 ? "No more question groups in this window." : "No question was asked more than once in this window."}</Empty>
        : (
          <>
            <p class="rq-headline" role="status">
              <strong class="rq-deflectable">{plural(report.deflectable, "contact")}</strong> deflectable
              by published answers: {candidatesText(candidates, report.groups.length)}
              <span class="muted small"> (the same answer given at least 3 times; every answered message after the first would have been spared)</span>.
            </p>
            <ol class="plain rq-groups" data-testid="recurring-groups" start={offset + 1}
                aria-label="Question groups, most messages first">
              {report.groups.map((group) => <Group key={group.groupId} group={group} />)}
            </ol>
          </>
        )}
      {(offset > 0 || hasNext) && (
        <nav class="pager" aria-label="Question group pages">
          <button type="button" class="button" disabled={offset === 0 || loading}
                  onClick={() => onPage(Math.max(0, offset - LIMIT))}>Previous</button>
          <span class="muted small">Groups {offset + 1}–{offset + report.groups.length}</span>
          <button type="button" class="button" disabled={!hasNext || loading}
                  onClick={() => onPage(offset + LIMIT)}>Next</button>
        </nav>
      )}
    </div>
  );
}

const TRENDS: Record<QuestionTrend, { arrow: string; label: string; tone: string }> = {
  rising: { arrow: "▲", label: "rising", tone: "trend-up" },
  falling: { arrow: "▼", label: "falling", tone: "trend-down" },
  steady: { arrow: "▶", label: "steady", tone: "trend-flat" },
  new: { arrow: "✦", label: "new", tone: "trend-new" },
};

function Trend({ trend }: { trend: QuestionTrend }) {
  const shown = TRENDS[trend] ?? { arrow: "", label: String(trend), tone: "trend-flat" };
  return (
    <span class={`rq-trend ${shown.tone}`}>
      <span aria-hidden="true">{shown.arrow} </span>{shown.label}
    </span>
  );
}

function Group({ group }: { group: RecurringQuestion }) {
  const [open, setOpen] = useState(false);
  const top = group.examples[0];
  const examplesId = `rq-examples-${group.groupId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const questionId = `${examplesId}-question`;
  return (
    <li class="rq-group" data-group={group.groupId}>
      <div class="rq-head">
        <p class="rq-question" id={questionId}>{top ? `“${top.text ?? "(no text)"}”` : "(no example)"}</p>
        {group.publishedAnswerCandidate && (
          <span class="rq-candidate">
            <span class="badge rq-badge">Published answer candidate</span>
            <span class="small">{plural(group.deflectable, "contact")} deflectable</span>
          </span>
        )}
      </div>
      <dl class="facts rq-facts">
        <div>
          <dt>Messages</dt>
          <dd><span class="rq-messages">{count(group.messages)}</span> <Trend trend={group.trend} />
            <span class="muted small"> ({count(group.previousMessages)} before; {count(group.allTime)} all time)</span></dd>
        </div>
        <div><dt>Customers</dt><dd>{count(group.customers)}</dd></div>
        <div>
          <dt>Answered by us</dt>
          <dd>{count(group.answered)} of {count(group.messages)}
            {group.medianSecondsToAnswer !== null && <span class="muted small"> · median {elapsed(group.medianSecondsToAnswer)} to answer</span>}</dd>
        </div>
        <div><dt>Answered by customers</dt><dd>{count(group.communityAnswered)}</dd></div>
      </dl>
      {group.concepts.length > 0 && (
        <ul class="plain concept-chips rq-concepts" aria-label="Concepts">
          {group.concepts.map((c) => (
            <li key={c.conceptId}>
              <a class="chip chip-concept" href={href("concepts", c.conceptId)}
                 title={`${plural(c.messages, "message")} of the group`}>{c.prefLabel ?? conceptName(c.conceptId)} <span class="muted">{count(c.messages)}</span></a>
            </li>
          ))}
        </ul>
      )}
      {group.commonAnswer && (
        <div class="rq-answer">
          <span class="seen-who">Our common answer, given {plural(group.commonAnswer.givenTimes, "time")}</span>
          <p class="rq-answer-text">{group.commonAnswer.text ?? "(no text)"}</p>
        </div>
      )}
      {group.advocates.length > 0 && (
        <p class="small rq-advocates">
          <span class="muted">Advocates (customers who answer others): </span>
          {group.advocates.map((a, n) => (
            <span key={a.customerId}>{n > 0 && ", "}
              <a href={href("customers", a.customerId)} title="Open the customer’s 360° view">{a.customerId}</a>
              <span class="muted"> ({plural(a.answers, "answer")})</span>
            </span>
          ))}
        </p>
      )}
      {group.examples.length > 0 && (
        <>
          <button type="button" class="link-button small rq-toggle" aria-expanded={open}
                  aria-controls={examplesId} onClick={() => setOpen(!open)}>
            <span aria-hidden="true">{open ? "▾" : "▸"} </span>{group.examples.length === 1 ? "The example" : `All ${group.examples.length} examples`}
          </button>
          {open && <Examples id={examplesId} examples={group.examples} />}
        </>
      )}
    </li>
  );
}

function Examples({ id, examples }: { id?: string; examples: QuestionExample[] }) {
  const { openInteraction } = useInspector();
  return (
    <ol class="plain rq-examples" id={id} aria-label="Example messages, closest to the group’s meaning first">
      {examples.map((example) => (
        <li key={example.interactionId} class="rq-example">
          <time class="small muted" dateTime={example.occurredAt ?? undefined}>{when(example.occurredAt)}</time>
          <span class="rq-example-text">{example.text ?? "(no text)"}</span>
          <button type="button" class="link-button small" onClick={() => openInteraction(example.interactionId)}
                  aria-label={`Open the message of ${when(example.occurredAt)}`}>Open message</button>
        </li>
      ))}
    </ol>
  );
}

function Topics({ report }: { report: EmergingTopics }) {
  return (
    <>
      <p class="muted small" data-testid="emerging-window">
        Window: <strong>{period(report.since, report.until)}</strong> (UTC).
      </p>
      {report.topics.length === 0
        ? <Empty>No emerging topic in this window: no group of messages that no concept covers grew against the period before.</Empty>
        : (
          <ol class="plain rq-topics" data-testid="emerging-topics" aria-label="Emerging topics, fastest growing first">
            {report.topics.map((topic) => <Topic key={topic.groupId} topic={topic} />)}
          </ol>
        )}
    </>
  );
}

type CopyState = "idle" | "copied" | "failed";

function Topic({ topic }: { topic: EmergingTopic }) {
  const [copy, setCopy] = useState<CopyState>("idle");
  const turtle = useRef<HTMLPreElement>(null);
  const name = topic.suggestion.prefLabel;
  const headingId = `topic-${topic.groupId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const copyTurtle = async () => {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(topic.suggestion.turtle);
      setCopy("copied");
    } catch {
      // No clipboard (an insecure origin, a refused permission): select the text instead, so
      // Ctrl+C copies it.
      const range = document.createRange();
      if (turtle.current) {
        range.selectNodeContents(turtle.current);
        const selection = getSelection();
        selection?.removeAllRanges();
        selection?.addRange(range);
      }
      setCopy("failed");
    }
  };
  return (
    <li class="rq-topic" data-group={topic.groupId}>
      <div class="rq-head">
        <p class="rq-question" id={headingId}>{name}</p>
        <span class="rq-growth small">
          <span class="trend-up"><span aria-hidden="true">▲ </span>+{count(topic.growth)}</span>{" "}
          {plural(topic.messages, "message")} against {count(topic.previousMessages)} before
        </span>
      </div>
      {topic.terms.length > 0 && (
        <ul class="plain concept-chips rq-terms" aria-label="Distinctive terms">
          {topic.terms.map((term) => <li key={term}><span class="chip">{term}</span></li>)}
        </ul>
      )}
      {topic.nearestConcept && (
        <p class="small muted">Nearest concept: <a href={href("concepts", topic.nearestConcept)}>{conceptName(topic.nearestConcept)}</a>
          {topic.nearestSimilarity !== null && ` (${percent(topic.nearestSimilarity)} similar)`}</p>
      )}
      {topic.examples.length > 0 && <Examples examples={topic.examples} />}
      <div class="rq-suggestion">
        <div class="rq-suggestion-head">
          <span class="small">Suggested SKOS concept <code>ckc:{topic.suggestion.conceptId}</code>
            {topic.suggestion.broader && <> under <a href={href("concepts", topic.suggestion.broader)}>{conceptName(topic.suggestion.broader)}</a></>}
          </span>
          <button type="button" class="button small" onClick={copyTurtle}
                  aria-label={`Copy the Turtle of ${name}`}>Copy</button>
          <span class="small muted" role="status">
            {copy === "copied" ? "Copied." : copy === "failed" ? "Could not copy: the text is selected, press Ctrl+C (⌘C)." : ""}
          </span>
        </div>
        <pre class="rq-turtle" ref={turtle} tabIndex={0} aria-label={`Turtle of the suggested concept ${name}`}>{topic.suggestion.turtle}</pre>
      </div>
    </li>
  );
}
