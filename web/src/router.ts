// Hash routes (#/customers/ID): the server serves one page, and no data ever goes in the URL
// beyond ids the user navigates to.

import { useEffect, useState } from "preact/hooks";

export interface Route { path: string[]; params: URLSearchParams }

function current(): Route {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = hash.split("?");
  return { path: path.split("/").filter(Boolean).map(decodeURIComponent),
           params: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}

export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join("/")}`;
}

export function navigate(target: string): void {
  location.hash = target.replace(/^#/, "");
}
