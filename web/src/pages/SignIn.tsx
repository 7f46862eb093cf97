// Sign-in: the API key is entered once and kept for this tab's session (sessionStorage).

import { useState } from "preact/hooks";

import { ApiError, request } from "../api";
import { ErrorBox } from "../components/States";
import { useTitle } from "../hooks";
import { saveSession, type Role, type Session } from "../session";

export function SignInPage({ onSignedIn, notice }: { onSignedIn: (session: Session) => void;
                                                    notice?: string | null }) {
  useTitle("Sign in");
  const [key, setKey] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!key.trim()) {
      setError(new ApiError("auth", "Enter your API key: the API refuses every request without one."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const response = await request("/session", { key: key.trim() });
      const { role } = (await response.json()) as { role: Role };
      const session = { key: key.trim(), role };
      saveSession(session);
      onSignedIn(session);
    } catch (failure) {
      const problem = failure instanceof ApiError ? failure : new ApiError("server", String(failure));
      setError(problem.kind === "auth" ? new ApiError("auth", `This key was refused: ${problem.message}. Check it and try again.`) : problem);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <form class="card sign-in-card" onSubmit={submit} noValidate>
        <div class="brand big"><span class="brand-mark" aria-hidden="true">◎</span> Customer 360</div>
        <h1>Sign in</h1>
        <p class="muted">Enter the API key you were given. It is kept for this browser tab only and sent in a request header, never in a link.</p>
        {notice && <p class="notice" role="status">{notice}</p>}
        <label class="field">
          <span>API key</span>
          <input type="password" value={key} autoFocus autoComplete="current-password"
                 onInput={(e) => setKey((e.target as HTMLInputElement).value)} aria-invalid={error ? "true" : undefined} />
        </label>
        {error && <ErrorBox error={error} title={!key.trim() ? "API key needed" : error.kind === "auth" ? "Key refused" : undefined} />}
        <button type="submit" class="button primary block" disabled={busy}>{busy ? "Checking…" : "Sign in"}</button>
      </form>
    </main>
  );
}
