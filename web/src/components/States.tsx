import type { ComponentChildren } from "preact";

import type { ApiError } from "../api";

export function Loading({ label = "Loading" }: { label?: string }) {
  return (
    <div class="state loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label}…
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

const HEADINGS: Record<string, string> = {
  auth: "Sign-in needed",
  forbidden: "Not allowed for your role",
  notFound: "Not found",
  unavailable: "Service unavailable",
  bad: "The request was refused",
  network: "No connection to the API",
  server: "Something went wrong",
};

export function ErrorBox({ error, onRetry, title }: { error: ApiError; onRetry?: () => void;
                                                      title?: string }) {
  return (
    <div class={`state error error-${error.kind}`} role="alert">
      <strong>{title ?? HEADINGS[error.kind] ?? "Error"}</strong>
      <span>{error.message}</span>
      {onRetry && error.kind !== "forbidden" && error.kind !== "notFound" && (
        <button type="button" class="button small" onClick={onRetry}>Try again</button>
      )}
    </div>
  );
}

export function Section({ title, id, children, actions, wide }: {
  title: string; id: string; children: ComponentChildren; actions?: ComponentChildren;
  wide?: boolean;
}) {
  return (
    <section class={`card${wide ? " wide" : ""}`} aria-labelledby={`${id}-title`} id={id}>
      <header class="card-header">
        <h2 id={`${id}-title`}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

export function SentimentBadge({ score, label }: { score: number | null | undefined;
                                                  label?: string | null }) {
  const value = score ?? null;
  const kind = value === null ? "none" : value <= -0.05 ? "negative"
    : value >= 0.05 ? "positive" : "neutral";
  const text = label ?? (value === null ? "no sentiment" : kind);
  return (
    <span class={`badge tone-${kind}`} title={value === null ? undefined : `score ${value.toFixed(2)}`}>
      {text}{value !== null && <span class="badge-score"> {value > 0 ? "+" : ""}{value.toFixed(2)}</span>}
    </span>
  );
}

export function Bar({ value, max, tone = "accent", label }: { value: number; max: number;
  tone?: string; label: string }) {
  const width = max > 0 ? Math.max(2, Math.round((value / max) * 100)) : 0;
  return (
    <span class="bar" role="img" aria-label={label}>
      <span class={`bar-fill bar-${tone}`} style={{ width: `${width}%` }} />
    </span>
  );
}
