// Pain points: concepts ranked by negative volume × intensity, with the recent share as trend.

import { useState } from "preact/hooks";

import { query } from "../api";
import { Sources } from "../components/Inspector";
import { Bar, Empty, ErrorBox, Loading, Section } from "../components/States";
import { count, decimal, percent, conceptName } from "../format";
import { useApi, useTitle } from "../hooks";
import { href } from "../router";
import type { PainPoint } from "../types";

export function PainPointsPage() {
  useTitle("Pain points");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const { data, error, loading, reload } = useApi<PainPoint[]>(
    `/insights/pain-points${query({ limit: 15, since: since || undefined, until: until || undefined })}`);
  const max = Math.max(0, ...(data ?? []).map((p) => p.score));
  return (
    <div class="page">
      <h1>Pain points</h1>
      <p class="lead">Concepts customers are unhappy about, ranked by negative volume × intensity (mean strength of the negative sentiment). Trend is the share of the negative volume in the 30 days before the newest interaction.</p>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label class="field inline"><span>From</span><input type="date" value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} /></label>
        <label class="field inline"><span>Until</span><input type="date" value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} /></label>
        {(since || until) && <button type="button" class="button small" onClick={() => { setSince(""); setUntil(""); }}>Clear</button>}
      </form>
      <Section title="Ranked pain points" id="pain-points" wide>
        {loading && !data && <Loading />}
        {error && <ErrorBox error={error} onRetry={reload} />}
        {data && (data.length === 0 ? <Empty>No negative opinions in this period: no pain points to show.</Empty> : (
          <table class="table" data-testid="pain-points">
            <caption class="sr-only">Pain points ranked by score</caption>
            <thead><tr><th scope="col">#</th><th scope="col">Concept</th><th scope="col" class="num">Negative</th><th scope="col" class="num">Intensity</th><th scope="col">Score</th><th scope="col" class="num">Trend</th><th scope="col">Samples</th></tr></thead>
            <tbody>
              {data.map((p, n) => (
                <tr key={p.conceptId}>
                  <td class="muted">{n + 1}</td>
                  <td><a href={href("concepts", p.conceptId)}>{p.label ?? conceptName(p.conceptId)}</a></td>
                  <td class="num">{count(p.negative)}</td>
                  <td class="num">{decimal(p.intensity)}</td>
                  <td><span class="num-with-bar wide-bar">{decimal(p.score, 1)}<Bar value={p.score} max={max} tone="negative" label={`score ${p.score.toFixed(1)}`} /></span></td>
                  <td class="num"><span class={p.trend >= 0.5 ? "trend-up" : "trend-flat"}>{p.trend >= 0.5 ? "▲ " : ""}{percent(p.trend)}</span></td>
                  <td><Sources ids={p.sample} title={`negative about ${p.label ?? p.conceptId}`} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </Section>
    </div>
  );
}
