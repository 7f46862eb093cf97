// Seen before: for an open case, the closed cases whose customer messages mean the most the
// same as its first message, with what the customer wrote, how we answered and how long the
// case took to close (GET /interactions/{id}/similar-cases).

import { enc, query } from "../api";
import { elapsed, percent } from "../format";
import { useApi } from "../hooks";
import { href } from "../router";
import type { SimilarCase, SimilarCases } from "../types";
import { useInspector } from "./Inspector";
import { Empty, ErrorBox, Loading } from "./States";

export function SeenBefore({ interactionId, id }: { interactionId: string; id?: string }) {
  const { data, error, loading, reload } = useApi<SimilarCases>(
    `/interactions/${enc(interactionId)}/similar-cases${query({ limit: 5 })}`);
  return (
    <div class="seen-before" data-testid="seen-before" id={id} aria-busy={loading}>
      <h3>Seen before</h3>
      {loading && <Loading label="Finding similar closed cases" />}
      {error && <ErrorBox error={error} onRetry={reload} />}
      {data && !loading && !error && (data.items.length === 0
        ? <Empty>No similar closed case yet.</Empty>
        : (
          <ol class="plain seen-before-list" aria-label="Similar closed cases, most similar first">
            {data.items.map((c) => <SimilarCaseItem key={c.caseId} item={c} />)}
          </ol>
        ))}
    </div>
  );
}

function SimilarCaseItem({ item }: { item: SimilarCase }) {
  const { openCase } = useInspector();
  return (
    <li class="seen-case">
      <div class="seen-case-head">
        <span class="badge similarity" title="how close in meaning the case’s nearest customer message is">
          {percent(Math.max(0, item.similarity))} similar
        </span>
        <button type="button" class="link-button mono small" onClick={() => openCase(item.caseId)}
                aria-label={`Open case ${item.caseId}`}>{item.caseId}</button>
        {item.customer && (
          <a class="small" href={href("customers", item.customer.customerId)}>
            {item.customer.displayName ?? item.customer.customerId}
          </a>
        )}
        <span class="muted small seen-closed">closed in {elapsed(item.secondsToClose)}</span>
      </div>
      <p class="seen-message seen-said">
        <span class="seen-who">Customer</span>
        {item.matched.text ?? "(no text)"}
      </p>
      {item.replies.length === 0 ? <p class="muted small">No reply from us is recorded.</p> : (
        <ol class="plain seen-replies" aria-label="Our replies, in order">
          {item.replies.map((reply) => (
            <li key={reply.interactionId} class="seen-message seen-reply">
              <span class="seen-who">Our reply{reply.secondsAfterOpening !== null ? `, after ${elapsed(reply.secondsAfterOpening)}` : ""}</span>
              {reply.text ?? "(no text)"}
            </li>
          ))}
        </ol>
      )}
    </li>
  );
}
