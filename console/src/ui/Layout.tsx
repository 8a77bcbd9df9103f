// The frame of every signed-in page: navigation, the acting account, sign-out.
import { useState, type ReactNode } from 'react';
import { useSignedIn, useSession } from '../session/session';
import { postGraphql } from '../session/client';

const PAGES: [string, string][] = [
  ['media', 'Media'],
  ['models', 'Models'],
  ['jobs', 'Jobs'],
  ['keys', 'Tokens & keys'],
  ['teams', 'Teams'],
  ['usage', 'Usage'],
  ['cluster', 'Cluster'],
];

export function Layout({ current, children }: { current: string; children: ReactNode }) {
  const session = useSignedIn();
  const { signOut, actAs } = useSession();
  const [leaving, setLeaving] = useState(false);
  return (
    <div className="frame">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="bar">
        <strong className="brand">Media Magic</strong>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map(([id, label]) => (
              <li key={id}>
                <a href={`#/${id}`} aria-current={current === id || (current === 'run' && id === 'models') ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            Acting as <strong>{session.acting.kind === 'TEAM' ? `team ${session.acting.name}` : session.acting.name}</strong>
          </span>
          {session.acting.kind === 'TEAM' && (
            <button type="button" onClick={() => actAs(session.userToken, { kind: 'USER', ...session.user })}>
              Back to me
            </button>
          )}
          <button
            type="button"
            disabled={leaving}
            onClick={async () => {
              // Revoke the tokens server-side (a team token too, when acting as a team) before
              // leaving, then forget them here whatever the answer.
              setLeaving(true);
              const tokens = [...new Set([session.token, session.userToken])];
              await Promise.allSettled(tokens.map((token) => postGraphql(session.api, 'mutation { logOut }', {}, token)));
              signOut();
            }}
          >
            {leaving ? 'Logging out…' : 'Log out'}
          </button>
        </div>
      </header>
      <div id="main" className="content">
        {children}
      </div>
    </div>
  );
}
