// The API key and its role, kept for the browser tab's session only (sessionStorage): the key
// is sent in the X-API-Key header and never put in a URL.

export type Role = "reader" | "analyst" | "writer" | "admin";

const RANK: Record<Role, number> = { reader: 0, analyst: 1, writer: 2, admin: 3 };
const KEY = "kg.apiKey";
const ROLE = "kg.role";

export interface Session {
  key: string;
  role: Role;
}

export function loadSession(): Session | null {
  const key = sessionStorage.getItem(KEY);
  const role = sessionStorage.getItem(ROLE) as Role | null;
  return key && role && role in RANK ? { key, role } : null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, session.key);
  sessionStorage.setItem(ROLE, session.role);
}

/** Forgets the key, the role and whatever the pages kept for the tab (the last search). */
export function clearSession(): void {
  for (const name of Object.keys(sessionStorage)) {
    if (name.startsWith("kg.")) sessionStorage.removeItem(name);
  }
}

/** Whether a role reaches the minimum role a page or action needs (the API's own order). */
export function allows(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}
