// Where every fact leads: a stack of dialogs that open an interaction (text with highlighted
// spans), the list of interactions a fact came from, or a case. Closing one returns to the last.

import { createContext, type ComponentChildren } from "preact";
import { useCallback, useContext, useEffect, useMemo, useState } from "preact/hooks";

import { ApiError, enc, getJson } from "../api";
import { conceptName, decimal, titleCase, when } from "../format";
import { useApi } from "../hooks";
import { href } from "../router";
import type { CaseDetail, InteractionDetail } from "../types";
import { Dialog } from "./Dialog";
import { Highlighted, Legend, markKind, opinionOf } from "./Highlighted";
import { Empty, ErrorBox, Loading, SentimentBadge } from "./States";

type View =
  | { type: "interaction"; id: string }
  | { type: "evidence"; title: string; ids: string[] }
  | { type: "case"; id: string };

interface Inspector {
  openInteraction: (id: string) => void;
  openEvidence: (title: string, ids: string[]) => void;
  openCase: (id: string) => void;
}

const InspectorContext = createContext<Inspector>({
  openInteraction: () => undefined, openEvidence: () => undefined, openCase: () => undefined,
});

export const useInspector = () => useContext(InspectorContext);

export function InspectorProvider({ children }: { children: ComponentChildren }) {
  const [stack, setStack] = useState<View[]>([]);
  const push = useCallback((view: View) => setStack((s) => [...s, view]), []);
  const inspector = useMemo<Inspector>(() => ({
    openInteraction: (id) => push({ type: "interaction", id }),
    openEvidence: (title, ids) => push({ type: "evidence", title, ids }),
    openCase: (id) => push({ type: "case", id }),
  }), [push]);
  const close = useCallback(() => setStack((s) => s.slice(0, -1)), []);
  useEffect(() => {
    const reset = () => setStack([]);
    addEventListener("hashchange", reset);
    return () => removeEventListener("hashchange", reset);
  }, []);
  const top = stack[stack.length - 1];
  return (
    <InspectorContext.Provider value={inspector}>
      {children}
      {top?.type === "interaction" && <InteractionDialog key={stack.length} id={top.id} onClose={close} />}
      {top?.type === "evidence" && <EvidenceDialog key={stack.length} title={top.title} ids={top.ids} onClose={close} />}
      {top?.type === "case" && <CaseDialog key={stack.length} id={top.id} onClose={close} />}
    </InspectorContext.Provider>
  );
}

/** A button that opens the interactions a fact came from. */
export function Sources({ ids, title }: { ids: string[]; title: string }) {
  const { openEvidence } = useInspector();
  if (!ids.length) return <span class="muted">—</span>;
  return (
    <button type="button" class="link-button sources" onClick={() => openEvidence(title, ids)}
            aria-label={`${ids.length} source interaction${ids.length === 1 ? "" : "s"} of ${title}`}>
      {ids.length} source{ids.length === 1 ? "" : "s"}
    </button>
  );
}

function InteractionDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const { data, error, loading, reload } = useApi<InteractionDetail>(`/interactions/${enc(id)}`);
  const { openCase } = useInspector();
  const message = data?.opinions.find((o) => o.aspect === null);
  return (
    <Dialog title="Interaction" onClose={onClose} wide>
      {loading && <Loading />}
      {error && <ErrorBox error={error} onRetry={reload} />}
      {data && (
        <div class="interaction" data-testid="interaction-detail">
          <dl class="facts">
            <div><dt>When</dt><dd>{when(data.occurredAt)}</dd></div>
            <div><dt>Channel</dt><dd>{titleCase(data.channel)} · {titleCase(data.kind)}</dd></div>
            <div><dt>Direction</dt><dd>{titleCase(data.direction)}</dd></div>
            <div><dt>Sentiment</dt><dd><SentimentBadge score={message?.score} label={message?.polarity} /></dd></div>
            {data.customerId && <div><dt>Customer</dt><dd><a href={href("customers", data.customerId)}>{data.customerId}</a></dd></div>}
            {data.caseId && <div><dt>Case</dt><dd><button type="button" class="link-button" onClick={() => openCase(data.caseId!)}>{data.caseId}</button></dd></div>}
            {data.rating !== null && <div><dt>Rating</dt><dd>{data.rating}</dd></div>}
            <div><dt>Id</dt><dd class="mono">{data.interactionId}</dd></div>
          </dl>
          {data.text ? <Highlighted detail={data} /> : <Empty>This interaction has no text.</Empty>}
          <Legend />
          <h3>Extracted</h3>
          {data.spans.length === 0 && !data.intents.length && !data.emotions.length
            ? <Empty>Nothing was extracted from this text.</Empty>
            : (
              <table class="table compact">
                <caption class="sr-only">Spans, intents and emotions extracted from the text</caption>
                <thead><tr><th scope="col">Kind</th><th scope="col">Text</th><th scope="col">Refers to</th><th scope="col">Clause sentiment</th></tr></thead>
                <tbody>
                  {[...data.spans].sort((a, b) => a.start - b.start).map((span) => {
                    const kind = markKind(span);
                    const opinion = kind === "concept" ? opinionOf(data, span) : undefined;
                    return (
                      <tr key={`${span.start}-${span.label}`}>
                        <td><span class={`chip chip-${kind}`}>{kind === "entity" || kind === "identifier" ? span.label.toLowerCase() : kind}</span></td>
                        <td>“{span.text}”</td>
                        <td>{kind === "concept" ? conceptName(span.refersTo ?? "") : span.referenceValue ?? span.refersTo ?? "—"}</td>
                        <td>{opinion ? <SentimentBadge score={opinion.score} label={opinion.polarity} /> : <span class="muted">—</span>}</td>
                      </tr>
                    );
                  })}
                  {data.intents.map((s) => (
                    <tr key={`intent-${s.category}`}><td><span class="chip chip-signal">intent</span></td><td>“{s.evidence ?? ""}”</td><td>{titleCase(s.category)}</td><td class="muted">confidence {decimal(s.confidence)}</td></tr>
                  ))}
                  {data.emotions.map((s) => (
                    <tr key={`emotion-${s.category}`}><td><span class="chip chip-signal">emotion</span></td><td>“{s.evidence ?? ""}”</td><td>{titleCase(s.category)}</td><td class="muted">confidence {decimal(s.confidence)}</td></tr>
                  ))}
                </tbody>
              </table>
            )}
        </div>
      )}
    </Dialog>
  );
}

function EvidenceDialog({ title, ids, onClose }: { title: string; ids: string[];
                                                   onClose: () => void }) {
  const [items, setItems] = useState<InteractionDetail[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const { openInteraction } = useInspector();
  useEffect(() => {
    const controller = new AbortController();
    Promise.all(ids.map((id) => getJson<InteractionDetail>(`/interactions/${enc(id)}`, controller.signal)))
      .then((found) => setItems(found.sort((a, b) => (b.occurredAt ?? "").localeCompare(a.occurredAt ?? ""))))
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(failure instanceof ApiError ? failure : new ApiError("server", String(failure)));
      });
    return () => controller.abort();
  }, [ids]);
  return (
    <Dialog title={`Sources: ${title}`} onClose={onClose} wide>
      <p class="muted">{ids.length} interaction{ids.length === 1 ? "" : "s"} this fact came from. Open one to see its extraction.</p>
      {error && <ErrorBox error={error} />}
      {!items && !error && <Loading />}
      {items && (
        <ul class="evidence-list">
          {items.map((item) => (
            <li key={item.interactionId}>
              <button type="button" class="evidence-item" onClick={() => openInteraction(item.interactionId)}>
                <span class="evidence-meta">{when(item.occurredAt)} · {titleCase(item.channel)} · {titleCase(item.direction)}</span>
                <span class="evidence-text">{item.text ?? "(no text)"}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}

function CaseDialog({ id, onClose }: { id: string; onClose: () => void }) {
  const { data, error, loading, reload } = useApi<CaseDetail>(`/cases/${enc(id)}`);
  const { openInteraction } = useInspector();
  const steps = data ? [...data.interactions].sort((a, b) => (a.occurredAt ?? "").localeCompare(b.occurredAt ?? "")) : [];
  return (
    <Dialog title={`Case ${id}`} onClose={onClose} wide>
      {loading && <Loading />}
      {error && <ErrorBox error={error} onRetry={reload} />}
      {data && (
        <>
          <dl class="facts">
            <div><dt>Status</dt><dd><span class={`badge status-${data.status}`}>{titleCase(data.status)}</span></dd></div>
            <div><dt>Opened</dt><dd>{when(data.openedAt)}</dd></div>
            <div><dt>Closed</dt><dd>{when(data.closedAt)}</dd></div>
            <div><dt>Customers</dt><dd>{data.customers.map((c) => <a key={c} href={href("customers", c)}>{c} </a>)}</dd></div>
          </dl>
          <ol class="evidence-list">
            {steps.map((step) => (
              <li key={step.interactionId}>
                <button type="button" class="evidence-item" onClick={() => openInteraction(step.interactionId)}>
                  <span class="evidence-meta">{when(step.occurredAt)} · {titleCase(step.channel)} · {titleCase(step.direction)}</span>
                  <span class="evidence-text">{step.text ?? "(no text)"}</span>
                </button>
              </li>
            ))}
          </ol>
        </>
      )}
    </Dialog>
  );
}
