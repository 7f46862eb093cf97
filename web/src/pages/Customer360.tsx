// The correlated 360° view of one customer: profile and segment, identities as a graph with
// each link's rule, score and evidence, channels, the journey across channels, cases (each open
// one with the closed cases seen before it), concepts, co-occurrences, entities, intents,
// emotions, similar customers and permissions (what each consent purpose allows and why, the
// history of consent events, messages waiting for a decision). Every fact opens the
// interactions it came from.

import { Fragment } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";

import { ApiError, enc, getJson, postJson, query } from "../api";
import { IdentityGraph, RuleLegend, ruleTone } from "../components/IdentityGraph";
import { Sources, useInspector } from "../components/Inspector";
import { Dialog } from "../components/Dialog";
import { SeenBefore } from "../components/SeenBefore";
import { Bar, Empty, ErrorBox, Loading, Section, SentimentBadge } from "../components/States";
import { conceptName, count, decimal, percent, titleCase, when } from "../format";
import { useApi, useTitle } from "../hooks";
import { href, navigate } from "../router";
import { allows, type Session } from "../session";
import type { Customer360, IdentityView, JourneyStep, ResolutionResult } from "../types";

const PAGE = 20;

export function Customer360Page({ id, session }: { id: string; session: Session }) {
  const { data, error, loading, reload } = useApi<Customer360>(
    `/customers/${enc(id)}/360${query({ journey_limit: PAGE, top: 10 })}`);
  useTitle(data?.displayName ?? id);
  useEffect(() => {
    if (data) performance.mark("kg:360-rendered");
  }, [data]);
  if (loading && !data) return <Loading label="Loading the 360° view" />;
  if (error) {
    return (
      <div class="page">
        <p><a href="#/">← Search</a></p>
        <ErrorBox error={error} onRetry={reload} />
      </div>
    );
  }
  if (!data) return null;
  return <View360 view={data} session={session} />;
}

function View360({ view, session }: { view: Customer360; session: Session }) {
  const labels = useMemo(() => new Map(view.concepts.map((c) => [c.conceptId, c.label ?? c.conceptId])), [view]);
  const interactions = view.channels.reduce((sum, c) => sum + c.interactions, 0);
  const last = view.channels.map((c) => c.lastContact).filter(Boolean).sort().pop() ?? null;
  const admin = allows(session.role, "admin");
  const name = view.displayName ?? view.customerId;
  return (
    <div class="page page-360" data-testid="view-360">
      <nav class="breadcrumbs" aria-label="Breadcrumb"><a href="#/">Search</a> <span aria-hidden="true">›</span> <span aria-current="page">{name}</span></nav>
      <header class="profile card wide">
        <div class="avatar" aria-hidden="true">{name.split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase()}</div>
        <div class="profile-main">
          <h1>{name}</h1>
          <p class="muted mono">{view.customerId}</p>
        </div>
        <dl class="profile-stats">
          <div><dt>Segment</dt><dd><span class={`badge segment segment-${view.segment}`}>{titleCase(view.segment)}</span></dd></div>
          <div><dt>Interactions</dt><dd>{count(interactions)}</dd></div>
          <div><dt>Identities</dt><dd>{count(view.identities.length)}</dd></div>
          <div><dt>Cases</dt><dd>{count(view.cases.length)}</dd></div>
          <div><dt>Last contact</dt><dd>{when(last, false)}</dd></div>
        </dl>
        {admin && <MergeAction customerId={view.customerId} />}
      </header>
      <div class="grid-360">
        <Identities view={view} admin={admin} />
        <Channels view={view} />
        <Cases view={view} />
        <Journey view={view} />
        <Concepts view={view} />
        <CoOccurring view={view} labels={labels} />
        <Signals view={view} />
        <Entities view={view} />
        <Similar view={view} labels={labels} />
        <Permissions view={view} />
      </div>
    </div>
  );
}

const KIND_ORDER = ["crm", "email", "phone", "handle", "loyalty"];

function byKind(a: IdentityView, b: IdentityView): number {
  const rank = (i: IdentityView) => (KIND_ORDER.indexOf(i.kind) + KIND_ORDER.length + 1) % (KIND_ORDER.length + 1);
  return rank(a) - rank(b) || a.value.localeCompare(b.value);
}

function Identities({ view: unsorted, admin }: { view: Customer360; admin: boolean }) {
  const [splitting, setSplitting] = useState<IdentityView | null>(null);
  const view = useMemo(() => ({ ...unsorted, identities: [...unsorted.identities].sort(byKind) }), [unsorted]);
  const name = view.displayName ?? view.customerId;
  return (
    <Section title="Identities" id="identities" wide>
      {view.identities.length === 0 ? <Empty>No identities are linked to this customer.</Empty> : (
        <div class="identities">
          <div>
            <IdentityGraph identities={view.identities} name={name} />
            <RuleLegend />
          </div>
          <div class="table-fit">
          <table class="table compact identity-table">
            <caption class="sr-only">Identities with the rule and score that linked each, and the evidence</caption>
            <thead><tr><th scope="col">Identity</th><th scope="col">Linked by</th><th scope="col">Score</th><th scope="col">Evidence</th>{admin && view.identities.length > 1 && <th scope="col"><span class="sr-only">Actions</span></th>}</tr></thead>
            <tbody>
              {view.identities.map((identity) => (
                <tr key={identity.identityId}>
                  <td><span class={`chip kind-${identity.kind}`}>{identity.kind}{identity.network && identity.network !== identity.kind ? ` · ${identity.network}` : ""}</span> <span class="mono">{identity.value}</span></td>
                  <td><span class={`rule ${ruleTone(identity.linkRule)}`}>{identity.linkRule ?? "—"}</span></td>
                  <td>{decimal(identity.linkScore)}</td>
                  <td><Evidence identity={identity} /></td>
                  {admin && view.identities.length > 1 && (
                    <td><button type="button" class="button small danger-outline" onClick={() => setSplitting(identity)}
                                aria-label={`Split ${identity.value} out of ${name}`}>Split out</button></td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </div>
      )}
      {splitting && <SplitDialog customerId={view.customerId} identity={splitting} others={view.identities.filter((i) => i !== splitting)} onClose={() => setSplitting(null)} />}
    </Section>
  );
}

/** The links that tie an identity to the others; long lists fold after the first two. */
function Evidence({ identity }: { identity: IdentityView }) {
  if (identity.evidence.length === 0) return <span class="muted">none</span>;
  const item = (e: IdentityView["evidence"][number]) => (
    <li key={`${e.with}${e.rule}`}><span class={`rule ${ruleTone(e.rule)}`}>{e.rule}</span> {decimal(e.score)} with <span class="mono">{e.with}</span></li>
  );
  const [first, rest] = [identity.evidence.slice(0, 2), identity.evidence.slice(2)];
  return (
    <>
      <ul class="plain evidence-links">{first.map(item)}</ul>
      {rest.length > 0 && (
        <details class="more"><summary>{rest.length} more link{rest.length === 1 ? "" : "s"}</summary>
          <ul class="plain evidence-links">{rest.map(item)}</ul>
        </details>
      )}
    </>
  );
}

function SplitDialog({ customerId, identity, others, onClose }: { customerId: string;
  identity: IdentityView; others: IdentityView[]; onClose: () => void }) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      const result = await postJson<ResolutionResult>(`/customers/${enc(customerId)}/split`, { identityId: identity.identityId });
      const stays = result.customerIds[others[0]?.identityId] ?? result.customerIds[identity.identityId];
      onClose();
      navigate(href("customers", stays));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError("server", String(failure)));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Split an identity out" onClose={onClose}>
      <p>Take <strong class="mono">{identity.value}</strong> ({identity.kind}) out of this customer. This adds
        auditable <code>manual:split</code> links (score 0) that veto every link to the other {others.length} identit{others.length === 1 ? "y" : "ies"}, then resolves customers again.</p>
      {error && <ErrorBox error={error} />}
      <div class="dialog-actions">
        <button type="button" class="button" onClick={onClose}>Cancel</button>
        <button type="button" class="button danger" disabled={busy} onClick={run}>{busy ? "Splitting…" : "Split out"}</button>
      </div>
    </Dialog>
  );
}

function MergeAction({ customerId }: { customerId: string }) {
  const [open, setOpen] = useState(false);
  const [other, setOther] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [candidates, setCandidates] = useState<{ customerId: string; displayName: string | null }[]>([]);
  useEffect(() => {
    if (other.trim().length < 2) { setCandidates([]); return; }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      getJson<{ items: { customerId: string; displayName: string | null }[] }>(`/customers${query({ q: other.trim(), limit: 6 })}`, controller.signal)
        .then((page) => setCandidates(page.items.filter((c) => c.customerId !== customerId)))
        .catch(() => undefined);
    }, 200);
    return () => { clearTimeout(timer); controller.abort(); };
  }, [other, customerId]);
  const run = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await postJson<ResolutionResult>(`/customers/${enc(customerId)}/merge`, { other: other.trim() });
      const target = Object.values(result.customerIds)[0];
      setOpen(false);
      navigate(href("customers", target));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError("server", String(failure)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="profile-actions">
      <button type="button" class="button" onClick={() => setOpen(true)}>Merge with…</button>
      {open && (
        <Dialog title="Merge another customer into this one" onClose={() => setOpen(false)}>
          <form onSubmit={run}>
            <p>Declare another customer the same person. This adds an auditable <code>manual:merge</code> link (score 1) and resolves customers again.</p>
            <label class="field">
              <span>Customer id of the other customer</span>
              <input type="text" value={other} onInput={(e) => setOther((e.target as HTMLInputElement).value)} required autoComplete="off" list="merge-candidates" />
              <datalist id="merge-candidates">{candidates.map((c) => <option key={c.customerId} value={c.customerId}>{c.displayName}</option>)}</datalist>
            </label>
            {error && <ErrorBox error={error} />}
            <div class="dialog-actions">
              <button type="button" class="button" onClick={() => setOpen(false)}>Cancel</button>
              <button type="submit" class="button primary" disabled={busy || !other.trim()}>{busy ? "Merging…" : "Merge"}</button>
            </div>
          </form>
        </Dialog>
      )}
    </div>
  );
}

function Channels({ view }: { view: Customer360 }) {
  const max = Math.max(0, ...view.channels.map((c) => c.interactions));
  return (
    <Section title="Channels" id="channels">
      {view.channels.length === 0 ? <Empty>This customer has not contacted us on any channel.</Empty> : (
        <table class="table">
          <caption class="sr-only">Channels with interaction counts and last contact</caption>
          <thead><tr><th scope="col">Channel</th><th scope="col" class="num">Interactions</th><th scope="col">Last contact</th><th scope="col">Sources</th></tr></thead>
          <tbody>
            {view.channels.map((c) => (
              <tr key={c.channel}>
                <td><span class={`channel-dot ch-${c.channel}`} aria-hidden="true" />{titleCase(c.channel)}{c.companyOwned === false && <span class="muted small"> (3rd party)</span>}</td>
                <td class="num"><span class="num-with-bar">{count(c.interactions)}<Bar value={c.interactions} max={max} label={`${c.interactions} interactions`} /></span></td>
                <td>{when(c.lastContact, false)}</td>
                <td><Sources ids={c.interactionIds} title={`${titleCase(c.channel)} interactions`} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function Journey({ view }: { view: Customer360 }) {
  const [steps, setSteps] = useState<JourneyStep[]>(view.journey);
  const [more, setMore] = useState(view.journey.length === PAGE);
  const [error, setError] = useState<ApiError | null>(null);
  const { openInteraction, openCase } = useInspector();
  useEffect(() => { setSteps(view.journey); setMore(view.journey.length === PAGE); }, [view]);
  const loadMore = async () => {
    try {
      const next = await getJson<JourneyStep[]>(`/customers/${enc(view.customerId)}/timeline${query({ offset: steps.length, limit: PAGE })}`);
      setSteps([...steps, ...next]);
      setMore(next.length === PAGE);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError("server", String(failure)));
    }
  };
  return (
    <Section title="Journey" id="journey" wide>
      {steps.length === 0 ? <Empty>No interactions yet: this customer is known only from the CRM.</Empty> : (
        <ol class="timeline" aria-label="Interactions, newest first">
          {steps.map((step) => (
            <li key={step.interactionId} class={`timeline-item ch-${step.channel} dir-${step.direction}`}>
              <span class={`timeline-dot ch-${step.channel}`} aria-hidden="true" />
              <div class="timeline-head">
                <time dateTime={step.occurredAt ?? undefined}>{when(step.occurredAt)}</time>
                <span class="chip">{titleCase(step.channel)}</span>
                <span class="muted small">{titleCase(step.kind)} · {step.direction === "outbound" ? "from us" : "from customer"}</span>
                <SentimentBadge score={step.score} label={step.sentiment} />
                {step.caseId && <button type="button" class="link-button small" onClick={() => openCase(step.caseId!)}>case</button>}
              </div>
              <button type="button" class="timeline-text" onClick={() => openInteraction(step.interactionId)}
                      aria-label={`Open interaction of ${when(step.occurredAt)}: ${step.text ?? "no text"}`}>
                {step.text ?? "(no text)"}
              </button>
            </li>
          ))}
        </ol>
      )}
      {error && <ErrorBox error={error} onRetry={loadMore} />}
      {more && <button type="button" class="button" onClick={loadMore}>Show older interactions</button>}
    </Section>
  );
}

function Concepts({ view }: { view: Customer360 }) {
  const max = Math.max(0, ...view.concepts.map((c) => c.volume));
  return (
    <Section title="Top concepts" id="concepts">
      {view.concepts.length === 0 ? <Empty>No concepts were found in this customer’s messages.</Empty> : (
        <table class="table">
          <caption class="sr-only">Concepts this customer talks about, with volume, mean sentiment and the share of the last 90 days</caption>
          <thead><tr><th scope="col">Concept</th><th scope="col" class="num">Volume</th><th scope="col">Sentiment</th><th scope="col" class="num" title="share of the volume in the 90 days before the customer’s newest interaction">Recent</th><th scope="col">Sources</th></tr></thead>
          <tbody>
            {view.concepts.map((c) => (
              <tr key={c.conceptId}>
                <td><a href={href("concepts", c.conceptId)}>{c.label ?? conceptName(c.conceptId)}</a></td>
                <td class="num"><span class="num-with-bar">{count(c.volume)}<Bar value={c.volume} max={max} label={`${c.volume} interactions`} /></span></td>
                <td><SentimentBadge score={c.sentiment} /></td>
                <td class="num">{percent(c.trend)}</td>
                <td><Sources ids={c.interactionIds} title={c.label ?? c.conceptId} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function Cases({ view }: { view: Customer360 }) {
  const { openCase } = useInspector();
  // The newest open case shows what was seen before at once; the others open on request.
  const [expanded, setExpanded] = useState<Set<string>>(() => {
    const newest = view.cases.find((c) => c.status === "open" && c.interactionIds.length > 0);
    return new Set(newest ? [newest.caseId] : []);
  });
  const toggle = (caseId: string) => setExpanded((previous) => {
    const next = new Set(previous);
    if (!next.delete(caseId)) next.add(caseId);
    return next;
  });
  return (
    <Section title="Cases" id="cases">
      {view.cases.length === 0 ? <Empty>No cases: nothing this customer raised needed follow-up.</Empty> : (
        <table class="table cases-table">
          <caption class="sr-only">Cases with status and dates; open cases show the closed cases like them</caption>
          <thead><tr><th scope="col">Case</th><th scope="col">Status</th><th scope="col">Opened</th><th scope="col">Closed</th><th scope="col">Sources</th></tr></thead>
          <tbody>
            {view.cases.map((c) => {
              const seeable = c.status === "open" && c.interactionIds.length > 0;
              const open = seeable && expanded.has(c.caseId);
              const panel = `seen-before-${c.caseId}`;
              return (
                <Fragment key={c.caseId}>
                  <tr class={open ? "has-panel" : undefined}>
                    <td><button type="button" class="link-button mono" onClick={() => openCase(c.caseId)}>{c.caseId.length > 18 ? `${c.caseId.slice(0, 17)}…` : c.caseId}</button></td>
                    <td>
                      <span class={`badge status-${c.status}`}>{titleCase(c.status)}</span>
                      {seeable && (
                        <button type="button" class="link-button small seen-toggle" aria-expanded={open}
                                aria-controls={open ? panel : undefined} onClick={() => toggle(c.caseId)}
                                aria-label={`Seen before: closed cases like ${c.caseId}`}>Seen before {open ? "▴" : "▾"}</button>
                      )}
                    </td>
                    <td>{when(c.openedAt, false)}</td>
                    <td>{when(c.closedAt, false)}</td>
                    <td><Sources ids={c.interactionIds} title={`case ${c.caseId}`} /></td>
                  </tr>
                  {open && (
                    <tr class="seen-before-row">
                      <td colSpan={5}><SeenBefore id={panel} interactionId={c.interactionIds[0]} /></td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function CoOccurring({ view, labels }: { view: Customer360; labels: Map<string, string> }) {
  return (
    <Section title="Co-occurring concepts" id="co-occurring">
      {view.coOccurringConcepts.length === 0 ? <Empty>No two concepts appear in the same message of this customer.</Empty> : (
        <table class="table">
          <caption class="sr-only">Pairs of concepts in the same message, with lift against all interactions</caption>
          <thead><tr><th scope="col">Concepts</th><th scope="col" class="num">Together</th><th scope="col" class="num" title="P(a and b) / (P(a) P(b)) over every interaction">Lift</th><th scope="col">Sources</th></tr></thead>
          <tbody>
            {view.coOccurringConcepts.map((pair) => (
              <tr key={pair.concepts.join("|")}>
                <td>{conceptName(pair.concepts[0], labels)} <span class="muted">+</span> {conceptName(pair.concepts[1], labels)}</td>
                <td class="num">{count(pair.together)}</td>
                <td class="num">{decimal(pair.lift, 1)}×</td>
                <td><Sources ids={pair.interactionIds} title={pair.concepts.map((c) => conceptName(c, labels)).join(" + ")} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function Signals({ view }: { view: Customer360 }) {
  const block = (title: string, facts: Customer360["intents"], kind: string) => (
    <div class="signal-block">
      <h3>{title}</h3>
      {facts.length === 0 ? <Empty>None detected.</Empty> : (
        <ul class="signal-list">
          {facts.map((f) => (
            <li key={f.category} class={`signal signal-${kind}`}>
              <span class="signal-name">{titleCase(f.category)}</span>
              <span class="signal-count">{count(f.volume)}</span>
              <Sources ids={f.interactionIds} title={`${kind} ${f.category}`} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
  return (
    <Section title="Intents and emotions" id="signals">
      <div class="two-columns">
        {block("Intents", view.intents, "intent")}
        {block("Emotions", view.emotions, "emotion")}
      </div>
    </Section>
  );
}

function Entities({ view }: { view: Customer360 }) {
  return (
    <Section title="Entities mentioned" id="entities">
      {view.entities.length === 0 ? <Empty>No products, brands, places or people were mentioned.</Empty> : (
        <table class="table">
          <caption class="sr-only">Entities mentioned, with volume</caption>
          <thead><tr><th scope="col">Entity</th><th scope="col">Type</th><th scope="col" class="num">Volume</th><th scope="col">Sources</th></tr></thead>
          <tbody>
            {view.entities.map((e) => (
              <tr key={e.entityId}>
                <td>{e.name ?? e.entityId}</td>
                <td class="muted">{titleCase(e.type)}</td>
                <td class="num">{count(e.volume)}</td>
                <td><Sources ids={e.interactionIds} title={e.name ?? e.entityId} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function Similar({ view, labels }: { view: Customer360; labels: Map<string, string> }) {
  return (
    <Section title="Similar customers" id="similar" wide>
      {view.similarCustomers.length === 0 ? <Empty>No other customer talks about the same concepts.</Empty> : (
        <table class="table">
          <caption class="sr-only">Customers with the most similar concepts (Jaccard)</caption>
          <thead><tr><th scope="col">Customer</th><th scope="col">Shared concepts</th><th scope="col" class="num">Jaccard</th></tr></thead>
          <tbody>
            {view.similarCustomers.map((s) => (
              <tr key={s.customerId}>
                <td><a class="mono" href={href("customers", s.customerId)}>{s.customerId}</a></td>
                <td>{s.sharedConcepts.map((c) => conceptName(c, labels)).join(", ")}</td>
                <td class="num">{decimal(s.jaccard)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function Permissions({ view }: { view: Customer360 }) {
  const permissions = view.permissions;
  if (!permissions) return null;
  return (
    <Section title="Permissions" id="permissions" wide>
      <table class="table">
        <caption class="sr-only">What each consent purpose allows now, and why</caption>
        <thead><tr><th scope="col">Purpose</th><th scope="col">Allowed</th><th scope="col">Why</th></tr></thead>
        <tbody>
          {permissions.decisions.map((d) => (
            <tr key={d.purpose}>
              <td>{titleCase(d.purpose.replace("_", " "))}</td>
              <td>{d.allowed ? "yes" : "no"}</td>
              <td class="muted">{d.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {permissions.suggestions.length > 0 && (
        <ul class="plain">
          {permissions.suggestions.map((s) => (
            <li key={s.interactionId}>
              Waiting for a decision: “{s.evidence}” ({when(s.occurredAt)}){" "}
              <Sources ids={[s.interactionId]} title="Message asking to stop contact" />
            </li>
          ))}
        </ul>
      )}
      {permissions.history.length === 0 ? <Empty>No consent recorded; the policy defaults apply.</Empty> : (
        <table class="table">
          <caption class="sr-only">Consent history, newest first</caption>
          <thead><tr><th scope="col">Given</th><th scope="col">Purpose</th><th scope="col">Status</th><th scope="col">Channel</th><th scope="col">Until</th><th scope="col">Source</th><th scope="col">Recorded by</th></tr></thead>
          <tbody>
            {permissions.history.map((e) => (
              <tr key={e.consentId}>
                <td>{when(e.givenAt)}</td>
                <td>{titleCase(e.purpose.replace("_", " "))}</td>
                <td>{e.status}</td>
                <td>{e.channel ?? "all"}</td>
                <td>{e.expiresAt ? when(e.expiresAt) : "–"}</td>
                <td class="muted">{e.source}{e.evidence ? `: ${e.evidence}` : ""}</td>
                <td class="mono">{e.recordedBy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
