// The one way the app talks to the API: the key in a header, errors turned into messages a
// person can act on (no key, wrong key, role too low, Neo4j down, API unreachable).

import { clearSession, loadSession } from "./session";

export type ErrorKind = "auth" | "forbidden" | "notFound" | "unavailable" | "bad" | "network"
  | "server";

export class ApiError extends Error {
  constructor(readonly kind: ErrorKind, message: string, readonly status = 0) {
    super(message);
  }
}

type Listener = () => void;
const unauthorisedListeners = new Set<Listener>();

/** Called when the API refuses the key (401): the app returns to the sign-in screen. */
export function onUnauthorised(listener: Listener): () => void {
  unauthorisedListeners.add(listener);
  return () => unauthorisedListeners.delete(listener);
}

function kindOf(status: number): ErrorKind {
  if (status === 401) return "auth";
  if (status === 403) return "forbidden";
  if (status === 404) return "notFound";
  if (status === 503 || status === 504) return "unavailable";
  if (status >= 400 && status < 500) return "bad";
  return "server";
}

async function detailOf(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { detail?: unknown };
    if (typeof body.detail === "string") return body.detail;
    if (Array.isArray(body.detail)) {
      return body.detail.map((d: { loc?: unknown[]; msg?: string }) =>
        `${(d.loc ?? []).slice(1).join(".")}: ${d.msg ?? ""}`).join("; ");
    }
  } catch {
    // not JSON: fall through to the text itself
  }
  return text.slice(0, 300) || response.statusText;
}

export interface RequestOptions {
  method?: string;
  body?: BodyInit;
  contentType?: string;
  accept?: string;
  key?: string;
  signal?: AbortSignal;
}

export async function request(path: string, options: RequestOptions = {}): Promise<Response> {
  const key = options.key ?? loadSession()?.key;
  if (!key) throw new ApiError("auth", "No API key: sign in with the key you were given.", 401);
  const headers: Record<string, string> = { "X-API-Key": key };
  if (options.contentType) headers["Content-Type"] = options.contentType;
  if (options.accept) headers["Accept"] = options.accept;
  let response: Response;
  try {
    response = await fetch(path, { method: options.method ?? "GET", headers, body: options.body,
                                   signal: options.signal, credentials: "omit" });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError("network", "The API cannot be reached. Is `kg serve` running?");
  }
  if (!response.ok) {
    const detail = await detailOf(response);
    const kind = kindOf(response.status);
    if (kind === "auth" && !options.key) {
      clearSession();
      unauthorisedListeners.forEach((listener) => listener());
    }
    // The API says no more than that (its address and the driver's error stay in its log).
    const message = kind === "unavailable" && /neo4j|graph|bolt|connect/i.test(detail)
      ? "The graph database is unavailable; try again in a few seconds."
      : detail;
    throw new ApiError(kind, message, response.status);
  }
  return response;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await request(path, { signal })).json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await request(path, { method: "POST", body: JSON.stringify(body),
                                         contentType: "application/json" });
  return (await response.json()) as T;
}

/** Builds a query string from the defined, non-empty values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const enc = encodeURIComponent;
