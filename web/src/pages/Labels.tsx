// The labelling queue: one customer message at a time, the model's least sure first, with the
// model's reading shown; one key press per label (1 negative, 2 neutral, 3 positive, S skip).
// Labels become facts in the graph; `kg model train` learns the deployment's domain from them.

import { useEffect, useState } from "preact/hooks";

import { ApiError, postJson, query } from "../api";
import { Empty, ErrorBox, Loading, Section } from "../components/States";
import { conceptName, percent } from "../format";
import { useApi, useTitle } from "../hooks";

interface QueuedItem {
  interactionId: string;
  text: string;
  modelSentiment: string | null;
  modelConfidence: number | null;
  modelConcepts: string[];
}

const CHOICES: { key: string; sentiment: string; label: string }[] = [
  { key: "1", sentiment: "negative", label: "Negative" },
  { key: "2", sentiment: "neutral", label: "Neutral" },
  { key: "3", sentiment: "positive", label: "Positive" },
];

export function LabelsPage() {
  useTitle("Label messages");
  const { data, error, loading, reload } = useApi<{ items: QueuedItem[] }>(
    `/labels/queue${query({ limit: 20 })}`);
  const [position, setPosition] = useState(0);
  const [done, setDone] = useState(0);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const items = data?.items ?? [];
  const item = items[position] ?? null;

  useEffect(() => { setPosition(0); }, [data]);

  const next = () => {
    if (position + 1 < items.length) setPosition(position + 1);
    else reload();
  };

  const label = async (sentiment: string) => {
    if (!item || saving) return;
    setSaving(true);
    setFailure(null);
    try {
      await postJson("/labels", { interactionId: item.interactionId, sentiment });
      setDone((n) => n + 1);
      next();
    } catch (caught) {
      setFailure(caught instanceof ApiError ? caught : new ApiError("server", String(caught)));
    } finally {
      setSaving(false);
    }
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) return;
      const choice = CHOICES.find((c) => c.key === event.key);
      if (choice) { event.preventDefault(); void label(choice.sentiment); }
      else if (event.key === "s" || event.key === "S") { event.preventDefault(); next(); }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });

  return (
    <div class="page">
      <h1>Label messages</h1>
      <p class="lead">Customers' messages the model is least sure about come first. Your labels are stored in the graph and teach the model your domain (<span class="mono">kg model train</span>). Keys: 1 negative, 2 neutral, 3 positive, S skip.</p>
      <p class="muted small" role="status" data-testid="labelled-count">{done} labelled in this session.</p>
      <Section title="Next message" id="label-queue" wide>
        {loading && !data && <Loading />}
        {error && <ErrorBox error={error} onRetry={reload} />}
        {failure && <ErrorBox error={failure} />}
        {data && !item && <Empty>Every message has a label. New messages appear here as they arrive.</Empty>}
        {item && (
          <div class="label-card" data-testid="label-card" data-interaction={item.interactionId}>
            <blockquote class="label-text">{item.text}</blockquote>
            <p class="muted small" data-testid="model-guess">
              The model read: <strong>{item.modelSentiment ?? "nothing"}</strong>
              {item.modelConfidence !== null && <> (confidence {percent(item.modelConfidence)})</>}
              {item.modelConcepts.length > 0 && <>; about {item.modelConcepts.map((c) => conceptName(c)).join(", ")}</>}.
            </p>
            <div class="label-actions" role="group" aria-label="Sentiment">
              {CHOICES.map((c) => (
                <button type="button" class="button" disabled={saving} key={c.key}
                        onClick={() => void label(c.sentiment)}>
                  <kbd>{c.key}</kbd> {c.label}
                </button>
              ))}
              <button type="button" class="button small" onClick={next}><kbd>S</kbd> Skip</button>
            </div>
          </div>
        )}
      </Section>
    </div>
  );
}
