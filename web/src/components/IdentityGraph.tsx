// The customer's identities as a small graph in plain SVG: the customer in the middle, each
// identity on a ring, each spoke labelled with the rule and score that linked it, and the
// evidence links between identities (LINKED_WITH) as dashed chords.

import type { IdentityView } from "../types";

const KIND_ICON: Record<string, string> = {
  email: "@", phone: "☎", handle: "#", crm: "CRM", loyalty: "★",
};

function short(text: string, size = 22): string {
  return text.length > size ? `${text.slice(0, size - 1)}…` : text;
}

export function ruleTone(rule: string | null | undefined): string {
  if (!rule) return "rule-none";
  if (rule.startsWith("manual:split")) return "rule-split";
  if (rule.startsWith("manual:")) return "rule-manual";
  if (rule.startsWith("fuzzy:")) return "rule-fuzzy";
  return "rule-exact";
}

export function RuleLegend() {
  return (
    <ul class="rule-legend" aria-hidden="true">
      <li><span class="swatch rule-exact" />same identifier or one record</li>
      <li><span class="swatch rule-fuzzy" />fuzzy name + postcode</li>
      <li><span class="swatch rule-manual" />analyst’s merge</li>
      <li><span class="swatch chord" />evidence link</li>
    </ul>
  );
}

export function IdentityGraph({ identities, name }: { identities: IdentityView[];
                                                     name: string }) {
  const width = 640;
  const height = identities.length > 6 ? 400 : 320;
  const cx = width / 2;
  const cy = height / 2;
  const rx = width / 2 - 120;
  const ry = height / 2 - 48;
  const points = new Map(identities.map((identity, n) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * n) / Math.max(1, identities.length);
    return [identity.identityId, { x: cx + rx * Math.cos(angle), y: cy + ry * Math.sin(angle) }];
  }));
  const chords = new Map<string, { a: string; b: string; rule: string; score: number }>();
  for (const identity of identities) {
    for (const link of identity.evidence) {
      if (!points.has(link.with)) continue;
      const [a, b] = [identity.identityId, link.with].sort();
      chords.set(`${a}|${b}|${link.rule}`, { a, b, rule: link.rule, score: link.score });
    }
  }
  // Up to five spokes carry their rule and score as text; more would overlap, so the colours
  // (legend below) and the table beside the graph carry them.
  const labelled = identities.length <= 5;
  const summary = `${name} has ${identities.length} identit${identities.length === 1 ? "y" : "ies"}: `
    + identities.map((i) => `${i.kind} ${i.value} linked by ${i.linkRule ?? "no rule"}`).join("; ");
  return (
    <svg class="identity-graph" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary}
         data-testid="identity-graph">
      {[...chords.values()].map((chord) => {
        const a = points.get(chord.a)!;
        const b = points.get(chord.b)!;
        return (
          <g key={`${chord.a}${chord.b}${chord.rule}`} class={`chord ${ruleTone(chord.rule)}`}>
            <title>{`${chord.rule} (score ${chord.score.toFixed(2)}) between ${chord.a} and ${chord.b}`}</title>
            <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} />
          </g>
        );
      })}
      {identities.map((identity) => {
        const p = points.get(identity.identityId)!;
        const mx = (p.x + cx) / 2;
        const my = (p.y + cy) / 2;
        const label = `${identity.linkRule ?? "—"} ${identity.linkScore === null ? "" : identity.linkScore.toFixed(2)}`;
        return (
          <g key={identity.identityId} class={`spoke ${ruleTone(identity.linkRule)}`}>
            <title>{`${identity.identityId}: linked by ${identity.linkRule ?? "no rule"}, score ${identity.linkScore ?? "—"}`}</title>
            <line x1={cx} y1={cy} x2={p.x} y2={p.y} />
            {labelled && (
              <>
                <rect x={mx - label.length * 3.3 - 6} y={my - 10} width={label.length * 6.6 + 12} height={20} rx={10} class="edge-label-bg" />
                <text x={mx} y={my + 4} class="edge-label" text-anchor="middle">{label}</text>
              </>
            )}
          </g>
        );
      })}
      <g class="node customer-node">
        <circle cx={cx} cy={cy} r={30} />
        <text x={cx} y={cy + 5} text-anchor="middle">{(name || "?").split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase()}</text>
      </g>
      {identities.map((identity) => {
        const p = points.get(identity.identityId)!;
        return (
          <g key={`n-${identity.identityId}`} class={`node identity-node kind-${identity.kind}`}>
            <title>{`${identity.kind}${identity.network ? ` on ${identity.network}` : ""}: ${identity.value}`}</title>
            <circle cx={p.x} cy={p.y} r={18} />
            <text x={p.x} y={p.y + 4} text-anchor="middle" class="node-icon">{KIND_ICON[identity.kind] ?? identity.kind.slice(0, 2)}</text>
            <text x={p.x} y={p.y + 34} text-anchor="middle" class="node-label">{short(identity.value)}</text>
          </g>
        );
      })}
    </svg>
  );
}
