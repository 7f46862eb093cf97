// The analysts' query console: read-only Cypher and SPARQL with highlighting, results as a
// table, CSV download, and the README's example queries.

import { useState } from "preact/hooks";

import { ApiError, postJson, request } from "../api";
import { QueryEditor, type QueryLanguage } from "../components/Editor";
import { Empty, ErrorBox, Loading } from "../components/States";
import { count } from "../format";
import { useTitle } from "../hooks";
import type { CypherResult } from "../types";

interface Example { title: string; language: QueryLanguage; text: string }

export const EXAMPLES: Example[] = [
  { title: "Most discussed concepts with mean aspect sentiment", language: "cypher", text:
`// the most discussed concepts, with mean aspect sentiment
MATCH (i:Interaction)-[:HAS_OPINION]->(o:Opinion)-[:ABOUT_ASPECT]->(k:Concept)
RETURN k.prefLabel AS concept, count(DISTINCT i) AS interactions, avg(o.polarityScore) AS sentiment
ORDER BY interactions DESC LIMIT 10` },
  { title: "Concepts by interactions", language: "cypher", text:
`MATCH (k:Concept)<-[:ABOUT_CONCEPT]-(i)
RETURN k.prefLabel AS concept, count(i) AS n ORDER BY n DESC LIMIT 5` },
  { title: "Interactions per top-level area", language: "sparql", text:
`PREFIX ckg: <https://w3id.org/customer-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?area (COUNT(?i) AS ?n) WHERE {
  ?i ckg:aboutConcept ?k . ?k skos:broader ?top . ?top skos:prefLabel ?area
} GROUP BY ?area ORDER BY DESC(?n)` },
  { title: "Concepts by interactions (SPARQL)", language: "sparql", text:
`PREFIX ckg: <https://w3id.org/customer-kg/ontology#>
SELECT ?c (COUNT(?i) AS ?n) WHERE { ?i ckg:aboutConcept ?c }
GROUP BY ?c ORDER BY DESC(?n) LIMIT 5` },
  { title: "Message sentiment per channel", language: "cypher", text:
`MATCH (i:Interaction)-[:VIA_CHANNEL]->(c:Channel)
WHERE i.sentimentScore IS NOT NULL
RETURN c.channelId AS channel, count(i) AS interactions, avg(i.sentimentScore) AS sentiment
ORDER BY channel` },
  { title: "Message sentiment per channel (SPARQL)", language: "sparql", text:
`PREFIX ckg: <https://w3id.org/customer-kg/ontology#>
SELECT ?channel (COUNT(?i) AS ?interactions) (AVG(?score) AS ?sentiment)
WHERE { ?i ckg:viaChannel ?c ; ckg:sentimentScore ?score . ?c ckg:channelId ?channel }
GROUP BY ?channel ORDER BY ?channel` },
];

interface Table { columns: string[]; rows: unknown[][]; note?: string }

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

// A cell a spreadsheet would read as a formula (=, +, -, @, tab or carriage return first, and not
// a number) gets a leading apostrophe, so a message such as =HYPERLINK(…) stays text (the same
// rule as the API's SPARQL text/csv, kg/rdf/csv_safety.py).
export function neutralised(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? `'${text}` : text;
}

export function toCsv(table: Table): string {
  const quote = (text: string) => /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  return [table.columns, ...table.rows].map((row) => row.map((v) => quote(neutralised(cell(v)))).join(",")).join("\r\n") + "\r\n";
}

interface SparqlJson {
  head: { vars?: string[] };
  boolean?: boolean;
  results?: { bindings: Record<string, { value: string }>[] };
}

async function runSparql(text: string): Promise<Table | string> {
  const response = await request("/sparql", { method: "POST", body: text,
    contentType: "application/sparql-query", accept: "application/sparql-results+json, text/turtle" });
  const type = response.headers.get("content-type") ?? "";
  if (!type.includes("json")) return await response.text();
  const body = (await response.json()) as SparqlJson;
  if (typeof body.boolean === "boolean") return { columns: ["result"], rows: [[body.boolean]] };
  const columns = body.head.vars ?? [];
  return { columns, rows: (body.results?.bindings ?? []).map((b) => columns.map((c) => b[c]?.value ?? null)) };
}

async function runCypher(text: string): Promise<Table> {
  const result = await postJson<CypherResult>("/query/cypher", { query: text });
  return { columns: result.columns, rows: result.rows.map((r) => result.columns.map((c) => r[c])),
           note: result.truncated ? "The result was cut at the row cap (KG_QUERY_MAX_ROWS)." : undefined };
}

export function ConsolePage() {
  useTitle("Query console");
  const [language, setLanguage] = useState<QueryLanguage>("cypher");
  const [texts, setTexts] = useState<Record<QueryLanguage, string>>({
    cypher: EXAMPLES[0].text, sparql: EXAMPLES[2].text });
  const [result, setResult] = useState<Table | string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [elapsed, setElapsed] = useState<number | null>(null);

  const run = async () => {
    setBusy(true);
    setError(null);
    const started = performance.now();
    try {
      const text = texts[language];
      setResult(language === "cypher" ? await runCypher(text) : await runSparql(text));
      setElapsed(performance.now() - started);
    } catch (failure) {
      setResult(null);
      setError(failure instanceof ApiError ? failure : new ApiError("server", String(failure)));
    } finally {
      setBusy(false);
    }
  };
  const download = () => {
    if (!result || typeof result === "string") return;
    const url = URL.createObjectURL(new Blob([toCsv(result)], { type: "text/csv" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `${language}-result.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const choose = (title: string) => {
    const example = EXAMPLES.find((e) => e.title === title);
    if (!example) return;
    setLanguage(example.language);
    setTexts({ ...texts, [example.language]: example.text });
    setResult(null);
    setError(null);
  };

  return (
    <div class="page page-console">
      <h1>Query console</h1>
      <p class="lead">Read-only Cypher on Neo4j and SPARQL 1.1 on the RDF mirror. Writes are refused; queries stop at the server’s timeout and row cap. Run with Ctrl+Enter.</p>
      <div class="console-toolbar">
        <div class="tabs" role="tablist" aria-label="Query language">
          {(["cypher", "sparql"] as const).map((lang) => (
            <button key={lang} type="button" role="tab" aria-selected={language === lang}
                    class={`tab${language === lang ? " active" : ""}`}
                    onClick={() => { setLanguage(lang); setResult(null); setError(null); }}>
              {lang === "cypher" ? "Cypher" : "SPARQL"}
            </button>
          ))}
        </div>
        <label class="field inline">
          <span>Examples</span>
          <select value="" onChange={(e) => choose((e.target as HTMLSelectElement).value)}>
            <option value="">Choose an example…</option>
            {EXAMPLES.map((e) => <option key={e.title} value={e.title}>{e.language === "cypher" ? "Cypher" : "SPARQL"}: {e.title}</option>)}
          </select>
        </label>
      </div>
      <QueryEditor value={texts[language]} language={language} label={`${language === "cypher" ? "Cypher" : "SPARQL"} query`}
                   onChange={(text) => setTexts((t) => ({ ...t, [language]: text }))} onRun={run} />
      <div class="console-actions">
        <button type="button" class="button primary" onClick={run} disabled={busy || !texts[language].trim()}>{busy ? "Running…" : "Run query"}</button>
        <button type="button" class="button" onClick={download} disabled={!result || typeof result === "string" || result.rows.length === 0}>Download CSV</button>
        {elapsed !== null && result && typeof result !== "string" && <span class="muted small" role="status">{count(result.rows.length)} row{result.rows.length === 1 ? "" : "s"} in {Math.round(elapsed)} ms</span>}
      </div>
      <div aria-live="polite">
        {busy && <Loading label="Running the query" />}
        {error && <ErrorBox error={error} />}
        {result !== null && !busy && (typeof result === "string" ? <pre class="raw-result">{result}</pre>
          : result.rows.length === 0 ? <Empty>The query returned no rows.</Empty> : (
            <div class="table-scroll">
              {result.note && <p class="notice">{result.note}</p>}
              <table class="table compact results" data-testid="query-results">
                <caption class="sr-only">Query results</caption>
                <thead><tr>{result.columns.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
                <tbody>{result.rows.map((row, n) => <tr key={n}>{row.map((v, m) => <td key={m} class={typeof v === "number" ? "num" : undefined}>{typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : cell(v)}</td>)}</tr>)}</tbody>
              </table>
            </div>
          ))}
      </div>
    </div>
  );
}
