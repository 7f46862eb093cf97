// The concept explorer: the SKOS tree with counts; for a concept, its co-occurring concepts,
// sentiment by channel and month, top entities and sample messages, filtered by channel, time
// and segment.

import type { ChartConfiguration } from "chart.js";
import { useEffect, useMemo, useState } from "preact/hooks";

import { ApiError, enc, getJson, query } from "../api";
import { ChartView, PALETTE } from "../components/Chart";
import { useInspector } from "../components/Inspector";
import { Bar, Empty, ErrorBox, Loading, Section } from "../components/States";
import { conceptName, count, decimal, titleCase, when } from "../format";
import { useApi, useTitle } from "../hooks";
import { href } from "../router";
import type { ChannelInsight, ConceptNode, Correlations, InteractionDetail } from "../types";

const SEGMENTS = ["creators", "critics", "spectators", "inactives"];

function flatten(nodes: ConceptNode[], into = new Map<string, ConceptNode>()): Map<string, ConceptNode> {
  for (const node of nodes) {
    into.set(node.conceptId, node);
    flatten(node.narrower, into);
  }
  return into;
}

export function ConceptsPage({ selected }: { selected: string | null }) {
  useTitle(selected ? `Concept ${conceptName(selected)}` : "Concept explorer");
  const tree = useApi<ConceptNode[]>("/concepts");
  const byId = useMemo(() => flatten(tree.data ?? []), [tree.data]);
  const labels = useMemo(() => new Map([...byId.values()].map((n) => [n.conceptId, n.label ?? n.conceptId])), [byId]);
  return (
    <div class="page">
      <h1>Concept explorer</h1>
      <p class="lead">The customer-experience taxonomy with how many interactions talk about each concept (counts include narrower concepts). Pick a concept to see what it goes with.</p>
      <div class="explorer">
        <Section title="Taxonomy" id="taxonomy">
          {tree.loading && <Loading />}
          {tree.error && <ErrorBox error={tree.error} onRetry={tree.reload} />}
          {tree.data && (tree.data.length === 0 ? <Empty>The concept scheme is not loaded: run <code>kg db init</code>.</Empty> : (
            <ul class="tree" aria-label="Concept taxonomy">
              {[...tree.data].sort((a, b) => b.total - a.total).map((node) => <TreeNode key={node.conceptId} node={node} selected={selected} />)}
            </ul>
          ))}
        </Section>
        {selected ? <ConceptDetail id={selected} labels={labels} node={byId.get(selected)} />
          : <Section title="No concept selected" id="concept-detail"><Empty>Choose a concept in the taxonomy, or open one from a pain point or a customer’s concepts.</Empty></Section>}
      </div>
    </div>
  );
}

function contains(node: ConceptNode, id: string | null): boolean {
  return !!id && (node.conceptId === id || node.narrower.some((n) => contains(n, id)));
}

function TreeNode({ node, selected }: { node: ConceptNode; selected: string | null }) {
  const link = (
    <a href={href("concepts", node.conceptId)} class={`tree-link${node.conceptId === selected ? " current" : ""}`}
       aria-current={node.conceptId === selected ? "page" : undefined}>
      <span>{node.label ?? conceptName(node.conceptId)}</span>
      <span class="tree-count" aria-label={`${node.total} interactions`}>{count(node.total)}</span>
    </a>
  );
  if (!node.narrower.length) return <li>{link}</li>;
  return (
    <li>
      <details open={contains(node, selected)}>
        <summary>{link}</summary>
        <ul>{[...node.narrower].sort((a, b) => b.total - a.total).map((child) => <TreeNode key={child.conceptId} node={child} selected={selected} />)}</ul>
      </details>
    </li>
  );
}

function ConceptDetail({ id, labels, node }: { id: string; labels: Map<string, string>;
                                               node: ConceptNode | undefined }) {
  const [channel, setChannel] = useState("");
  const [segment, setSegment] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const channels = useApi<ChannelInsight[]>("/insights/channels");
  const { data, error, loading, reload } = useApi<Correlations>(
    `/concepts/${enc(id)}/correlations${query({ channel, segment, since, until })}`);
  const name = node?.label ?? conceptName(id, labels);
  const chart = useMemo<ChartConfiguration | null>(() => {
    if (!data?.sentimentByChannelAndMonth.length) return null;
    const months = [...new Set(data.sentimentByChannelAndMonth.map((r) => r.month))].sort();
    const names = [...new Set(data.sentimentByChannelAndMonth.map((r) => r.channel))].sort();
    return {
      type: "line",
      data: {
        labels: months,
        datasets: names.map((c, n) => ({
          label: titleCase(c), borderColor: PALETTE[n % PALETTE.length],
          backgroundColor: PALETTE[n % PALETTE.length], spanGaps: true, tension: 0.25,
          data: months.map((m) => data.sentimentByChannelAndMonth.find((r) => r.month === m && r.channel === c)?.sentiment ?? null),
        })),
      },
      options: { scales: { y: { min: -1, max: 1, title: { display: true, text: "mean sentiment" } } },
                 plugins: { legend: { position: "bottom" } } },
    };
  }, [data]);
  const maxCo = Math.max(0, ...(data?.coOccurring ?? []).map((c) => c.count));
  return (
    <div class="concept-detail" data-testid="concept-detail">
      <Section title={name} id="concept-detail" wide actions={data && <span class="muted small" title="interactions about this concept itself; narrower concepts have their own page">{count(data.volume)} of {count(data.interactionsInScope)} interactions in scope</span>}>
        <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
          <label class="field inline"><span>Channel</span>
            <select aria-label="Channel" value={channel} onChange={(e) => setChannel((e.target as HTMLSelectElement).value)}>
              <option value="">All channels</option>
              {(channels.data ?? []).map((c) => <option key={c.channel} value={c.channel}>{titleCase(c.channel)}</option>)}
            </select></label>
          <label class="field inline"><span>Segment</span>
            <select aria-label="Segment" value={segment} onChange={(e) => setSegment((e.target as HTMLSelectElement).value)}>
              <option value="">All segments</option>
              {SEGMENTS.map((s) => <option key={s} value={s}>{titleCase(s)}</option>)}
            </select></label>
          <label class="field inline"><span>From</span><input type="date" aria-label="From" value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} /></label>
          <label class="field inline"><span>Until</span><input type="date" aria-label="Until" value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} /></label>
        </form>
        {loading && !data && <Loading />}
        {error && <ErrorBox error={error} onRetry={reload} />}
      </Section>
      {data && (
        <div class="grid-2">
          <Section title="Co-occurring concepts" id="concept-co">
            {data.coOccurring.length === 0 ? <Empty>No other concept appears with this one in scope.</Empty> : (
              <table class="table compact">
                <caption class="sr-only">Concepts in the same interactions, with lift and NPMI</caption>
                <thead><tr><th scope="col">Concept</th><th scope="col" class="num">Together</th><th scope="col" class="num">Lift</th><th scope="col" class="num">NPMI</th></tr></thead>
                <tbody>{data.coOccurring.map((c) => (
                  <tr key={c.conceptId}>
                    <td><a href={href("concepts", c.conceptId)}>{conceptName(c.conceptId, labels)}</a></td>
                    <td class="num"><span class="num-with-bar">{count(c.count)}<Bar value={c.count} max={maxCo} label={`${c.count} together`} /></span></td>
                    <td class="num">{decimal(c.lift, 1)}×</td>
                    <td class="num">{decimal(c.npmi)}</td>
                  </tr>))}
                </tbody>
              </table>
            )}
          </Section>
          <Section title="Sentiment by channel and month" id="concept-sentiment">
            {chart ? (
              <>
                <ChartView config={chart} label={`Mean sentiment about ${name} per channel and month; the numbers are in the table below the chart`} />
                <details class="numbers"><summary>Show the numbers</summary>
                  <table class="table compact"><thead><tr><th scope="col">Month</th><th scope="col">Channel</th><th scope="col" class="num">Volume</th><th scope="col" class="num">Sentiment</th></tr></thead>
                    <tbody>{data.sentimentByChannelAndMonth.map((r) => <tr key={`${r.month}${r.channel}`}><td>{r.month}</td><td>{titleCase(r.channel)}</td><td class="num">{count(r.volume)}</td><td class="num">{decimal(r.sentiment)}</td></tr>)}</tbody>
                  </table>
                </details>
              </>
            ) : <Empty>No opinions about this concept in scope.</Empty>}
          </Section>
          <Section title="Top entities" id="concept-entities">
            {data.topEntities.length === 0 ? <Empty>No entities are mentioned with this concept.</Empty> : (
              <table class="table compact">
                <thead><tr><th scope="col">Entity</th><th scope="col" class="num">Interactions</th></tr></thead>
                <tbody>{data.topEntities.map((e) => <tr key={e.entityId}><td>{e.name ?? e.entityId}</td><td class="num">{count(e.volume)}</td></tr>)}</tbody>
              </table>
            )}
          </Section>
          <Samples ids={data.sampleInteractionIds} />
        </div>
      )}
    </div>
  );
}

function Samples({ ids }: { ids: string[] }) {
  const [items, setItems] = useState<InteractionDetail[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const { openInteraction } = useInspector();
  useEffect(() => {
    const controller = new AbortController();
    setItems(null);
    Promise.all(ids.slice(0, 6).map((id) => getJson<InteractionDetail>(`/interactions/${enc(id)}`, controller.signal)))
      .then(setItems)
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(failure instanceof ApiError ? failure : new ApiError("server", String(failure)));
      });
    return () => controller.abort();
  }, [ids.join("|")]);
  return (
    <Section title="Sample messages" id="concept-samples">
      {ids.length === 0 ? <Empty>No messages in scope.</Empty> : error ? <ErrorBox error={error} /> : !items ? <Loading /> : (
        <ul class="evidence-list">
          {items.map((item) => (
            <li key={item.interactionId}>
              <button type="button" class="evidence-item" onClick={() => openInteraction(item.interactionId)}>
                <span class="evidence-meta">{when(item.occurredAt)} · {titleCase(item.channel)}</span>
                <span class="evidence-text">{item.text ?? "(no text)"}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
