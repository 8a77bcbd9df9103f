// The session: which Media Magic API the console talks to, the signed-in user's token and the
// account it acts as (the user, or one of their teams through a team token). Kept in memory;
// in sessionStorage only when the person asks to stay signed in, never in localStorage.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export interface Session {
  /** The API's base URL (`https://api.example.com`), without `/graphql`. */
  api: string;
  /** The user's session token. */
  userToken: string;
  /** The signed-in user. */
  user: { id: string; name: string };
  /** The token requests are sent with: the user's, or a team token. */
  token: string;
  /** Who the token acts as. */
  acting: { kind: 'USER' | 'TEAM'; id: string; name: string };
  /** Kept in sessionStorage across reloads of this tab. */
  stay: boolean;
}

interface SessionApi {
  session: Session | null;
  /** Why the last session ended, shown on the log-in page. */
  ended: string | null;
  signIn: (session: Session) => void;
  actAs: (token: string, acting: Session['acting']) => void;
  signOut: (why?: string) => void;
}

const KEY = 'mediamagic.console.session';
const SessionContext = createContext<SessionApi | null>(null);

/** The API this console talks to unless the person picks another: `?api=` in the URL, else
 *  the origin that served the console (the router serves it at /console). */
export function defaultApi(): string {
  const fromUrl = new URLSearchParams(location.search).get('api');
  return (fromUrl ?? location.origin).replace(/\/+$/, '').replace(/\/graphql$/, '');
}

function restored(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(restored);
  const [ended, setEnded] = useState<string | null>(null);
  const keep = useCallback((next: Session | null) => {
    setSession(next);
    if (next?.stay) sessionStorage.setItem(KEY, JSON.stringify(next));
    else sessionStorage.removeItem(KEY);
  }, []);
  const api = useMemo<SessionApi>(
    () => ({
      session,
      ended,
      signIn: (next) => {
        setEnded(null);
        keep(next);
      },
      actAs: (token, acting) => session && keep({ ...session, token, acting }),
      signOut: (why) => {
        setEnded(why ?? null);
        keep(null);
        location.hash = '#/';
      },
    }),
    [session, ended, keep],
  );
  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The signed-in session (pages behind the log-in page only). */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (!session) throw new Error('not signed in');
  return session;
}
