// Customer search with results as you type: name, email, phone, handle or id.

import { useState } from "preact/hooks";

import { query } from "../api";
import { Empty, ErrorBox, Loading } from "../components/States";
import { count } from "../format";
import { useApi, useDebounced, useTitle } from "../hooks";
import { href } from "../router";
import type { CustomerPage } from "../types";

const KEY = "kg.lastSearch";

export function SearchPage() {
  useTitle("Customer search");
  const [text, setText] = useState(() => sessionStorage.getItem(KEY) ?? "");
  const settled = useDebounced(text.trim(), 200);
  const { data, error, loading, reload } = useApi<CustomerPage>(
    settled ? `/customers${query({ q: settled, limit: 25 })}` : null);
  const update = (value: string) => {
    setText(value);
    sessionStorage.setItem(KEY, value);
  };
  return (
    <div class="page page-search">
      <h1>Customer search</h1>
      <p class="muted small"><a href="#/messages">Search messages instead</a></p>
      <form class="search-box" role="search" onSubmit={(e) => e.preventDefault()}>
        <label for="customer-search" class="sr-only">Search customers</label>
        <span class="search-icon" aria-hidden="true">⌕</span>
        <input id="customer-search" type="search" value={text} autoFocus autoComplete="off"
               placeholder="Name, email, phone, @handle or customer id"
               aria-describedby="search-help" aria-controls="search-results"
               onInput={(e) => update((e.target as HTMLInputElement).value)} />
      </form>
      <p id="search-help" class="muted small">Results appear as you type. Phone numbers match in any format; handles with or without @.</p>
      <div id="search-results" aria-live="polite">
        {!settled && <Empty>Type to find a customer by name, email address, phone number, social handle or id.</Empty>}
        {settled && loading && <Loading label="Searching" />}
        {error && <ErrorBox error={error} onRetry={reload} />}
        {data && settled && !loading && (data.items.length === 0
          ? <Empty>No customer matches “{settled}”. Try part of a name or the full email address.</Empty>
          : (
            <>
              <p class="muted small" role="status">{count(data.total)} customer{data.total === 1 ? "" : "s"} match{data.total === 1 ? "es" : ""}{data.total > data.items.length ? `; the first ${data.items.length} are shown` : ""}.</p>
              <ul class="result-list" data-testid="search-results">
                {data.items.map((item) => (
                  <li key={item.customerId}>
                    <a class="result" href={href("customers", item.customerId)}>
                      <span class="avatar small" aria-hidden="true">{(item.displayName ?? "?").split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase()}</span>
                      <span class="result-name">{item.displayName ?? "(no name)"}</span>
                      <span class="result-id mono">{item.customerId}</span>
                    </a>
                  </li>
                ))}
              </ul>
            </>
          ))}
      </div>
    </div>
  );
}
