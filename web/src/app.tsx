// The shell: sign-in gate, navigation by role, and the page for the current route.

import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

import { ApiError, onUnauthorised } from "./api";
import { InspectorProvider } from "./components/Inspector";
import { ErrorBox, Loading } from "./components/States";
import { Customer360Page } from "./pages/Customer360";
import { LabelsPage } from "./pages/Labels";
import { MessagesPage } from "./pages/Messages";
import { PainPointsPage } from "./pages/PainPoints";
import { RecurringPage } from "./pages/Recurring";
import { SearchPage } from "./pages/Search";
import { SignInPage } from "./pages/SignIn";
import { useRoute, type Route } from "./router";
import { allows, clearSession, loadSession, type Role, type Session } from "./session";

interface NavItem { href: string; label: string; minimum: Role; matches: (r: Route) => boolean }

const NAV: NavItem[] = [
  { href: "#/", label: "Customers", minimum: "reader",
    matches: (r) => r.path.length === 0 || r.path[0] === "customers" },
  { href: "#/messages", label: "Messages", minimum: "reader", matches: (r) => r.path[0] === "messages" },
  { href: "#/insights/pain-points", label: "Pain points", minimum: "reader",
    matches: (r) => r.path[1] === "pain-points" },
  { href: "#/insights/recurring", label: "Recurring questions", minimum: "reader",
    matches: (r) => r.path[1] === "recurring" },
  { href: "#/insights/channels", label: "Channels", minimum: "reader",
    matches: (r) => r.path[1] === "channels" },
  { href: "#/concepts", label: "Concepts", minimum: "reader", matches: (r) => r.path[0] === "concepts" },
  { href: "#/labels", label: "Label", minimum: "analyst", matches: (r) => r.path[0] === "labels" },
  { href: "#/console", label: "Query console", minimum: "analyst", matches: (r) => r.path[0] === "console" },
];

/** Pages with heavy libraries (CodeMirror, Chart.js) are chunks of their own, loaded only when
 * opened, so the search and 360° pages start fast. */
function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>, what: string) {
  let loaded: ComponentType<P> | null = null;
  return function LazyPage(props: P) {
    const [page, setPage] = useState<{ Page: ComponentType<P> } | null>(loaded ? { Page: loaded } : null);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (page) return;
      load().then((Page) => { loaded = Page; setPage({ Page }); }).catch(() => setFailed(true));
    }, []);
    if (failed) return <div class="page"><ErrorBox error={new ApiError("network", `The ${what} could not be loaded. Reload the page.`)} /></div>;
    return page ? <page.Page {...props} /> : <Loading label={`Loading the ${what}`} />;
  };
}

const ConsolePage = lazyPage(() => import("./pages/Console").then((m) => m.ConsolePage), "query console");
const ChannelsPage = lazyPage(() => import("./pages/Channels").then((m) => m.ChannelsPage), "channel insights");
const ConceptsPage = lazyPage(() => import("./pages/Concepts").then((m) => m.ConceptsPage), "concept explorer");

function Page({ route, session }: { route: Route; session: Session }) {
  const [first, second] = route.path;
  if (!first) return <SearchPage />;
  if (first === "messages") return <MessagesPage />;
  if (first === "customers" && second) return <Customer360Page key={second} id={second} session={session} />;
  if (first === "insights" && second === "pain-points") return <PainPointsPage />;
  if (first === "insights" && second === "recurring") return <RecurringPage />;
  if (first === "insights" && second === "channels") return <ChannelsPage />;
  if (first === "concepts") return <ConceptsPage selected={second ?? null} />;
  if (first === "labels") {
    if (!allows(session.role, "analyst")) {
      return (
        <div class="page">
          <h1>Label messages</h1>
          <ErrorBox error={new ApiError("forbidden", `Labelling needs the analyst role; your key has ${session.role}.`, 403)} />
        </div>
      );
    }
    return <LabelsPage />;
  }
  if (first === "console") {
    if (!allows(session.role, "analyst")) {
      return (
        <div class="page">
          <h1>Query console</h1>
          <ErrorBox error={new ApiError("forbidden", `The query console needs the analyst role; your key has ${session.role}.`, 403)} />
        </div>
      );
    }
    return <ConsolePage />;
  }
  return (
    <div class="page">
      <h1>Page not found</h1>
      <p>There is no page at this address. <a href="#/">Go to the customer search.</a></p>
    </div>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();
  useEffect(() => onUnauthorised(() => {
    setSession(null);
    setNotice("The API no longer accepts your key: sign in again.");
  }), []);
  useEffect(() => {
    // A new page takes the focus (its autofocus field, or the main region) so that keyboard
    // and screen-reader users start at its content.
    const target = document.querySelector<HTMLElement>("main [autofocus]")
      ?? document.getElementById("main");
    target?.focus({ preventScroll: true });
    scrollTo(0, 0);
  }, [route.path.join("/"), session === null]);

  if (!session) {
    return <SignInPage notice={notice} onSignedIn={(s) => { setNotice(null); setSession(s); }} />;
  }
  const signOut = () => {
    clearSession();
    setSession(null);
    setNotice("You are signed out.");
  };
  return (
    <InspectorProvider>
      <a class="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
      <header class="topbar">
        <a class="brand" href="#/"><span class="brand-mark" aria-hidden="true">◎</span> Customer 360</a>
        <nav aria-label="Main" class="mainnav">
          <ul>
            {NAV.filter((item) => allows(session.role, item.minimum)).map((item) => (
              <li key={item.href}>
                <a href={item.href} class={item.matches(route) ? "active" : undefined}
                   aria-current={item.matches(route) ? "page" : undefined}>{item.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          <span class={`badge role role-${session.role}`} title="the role of your API key">{session.role}</span>
          <button type="button" class="button small ghost" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} session={session} />
      </main>
    </InspectorProvider>
  );
}
