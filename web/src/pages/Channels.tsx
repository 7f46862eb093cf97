// Channel insights: volume, sentiment, answered share and mean response time per channel.

import { useMemo } from "preact/hooks";
import type { ChartConfiguration } from "chart.js";

import { ChartView } from "../components/Chart";
import { Bar, Empty, ErrorBox, Loading, Section, SentimentBadge } from "../components/States";
import { count, duration, percent, titleCase } from "../format";
import { useApi, useTitle } from "../hooks";
import type { ChannelInsight } from "../types";

export function ChannelsPage() {
  useTitle("Channels");
  const { data, error, loading, reload } = useApi<ChannelInsight[]>("/insights/channels");
  const max = Math.max(0, ...(data ?? []).map((c) => c.volume));
  const config = useMemo<ChartConfiguration | null>(() => data && data.length ? {
    type: "bar",
    data: {
      labels: data.map((c) => titleCase(c.channel)),
      datasets: [
        { label: "Inbound", data: data.map((c) => c.inbound), backgroundColor: "#2563eb" },
        { label: "Outbound", data: data.map((c) => c.volume - c.inbound), backgroundColor: "#93c5fd" },
      ],
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
               plugins: { legend: { position: "bottom" } } },
  } : null, [data]);
  return (
    <div class="page">
      <h1>Channels</h1>
      <p class="lead">How customers reach us: volume, mean message sentiment, the share of inbound messages we answered and how fast.</p>
      {loading && !data && <Loading />}
      {error && <ErrorBox error={error} onRetry={reload} />}
      {data && (data.length === 0 ? <Empty>No interactions are loaded yet.</Empty> : (
        <div class="grid-2">
          <Section title="Channel performance" id="channel-table" wide>
            <table class="table" data-testid="channel-insights">
              <caption class="sr-only">Per channel: volume, sentiment, answered share and mean response time</caption>
              <thead><tr><th scope="col">Channel</th><th scope="col" class="num">Volume</th><th scope="col" class="num">Inbound</th><th scope="col">Sentiment</th><th scope="col" class="num">Answered</th><th scope="col" class="num">Response time</th></tr></thead>
              <tbody>
                {data.map((c) => (
                  <tr key={c.channel}>
                    <td><span class={`channel-dot ch-${c.channel}`} aria-hidden="true" />{titleCase(c.channel)}</td>
                    <td class="num"><span class="num-with-bar">{count(c.volume)}<Bar value={c.volume} max={max} label={`${c.volume} interactions`} /></span></td>
                    <td class="num">{count(c.inbound)}</td>
                    <td><SentimentBadge score={c.sentiment} /></td>
                    <td class="num">{c.inbound ? percent(c.answered / c.inbound) : "—"}</td>
                    <td class="num">{duration(c.meanResponseSeconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          {config && (
            <Section title="Volume by channel" id="channel-chart" wide>
              <ChartView config={config} label="Stacked bars of inbound and outbound interactions per channel; the numbers are in the table above" />
            </Section>
          )}
        </div>
      ))}
    </div>
  );
}
