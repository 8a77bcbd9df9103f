// Sign up or log in (OIDC too when the API offers it). The token stays in memory unless the
// person ticks "Stay signed in" (this tab's sessionStorage, never localStorage).
import { useEffect, useState, type FormEvent } from 'react';
import { ApiProblem, postGraphql } from '../../session/client';
import { defaultApi, useSession, type Session } from '../../session/session';
import { ErrorNote } from '../../ui/feedback';

const AUTH = `token accountId user { id name email }`;
/** The session a sign-in (password or single sign-on) starts: the user acting as themself. */
function sessionOf(api: string, auth: Auth, stay: boolean): Session {
  const user = { id: auth.user.id, name: auth.user.name };
  return { api, userToken: auth.token, token: auth.token, user, acting: { kind: 'USER', ...user }, stay };
}
/** A sign-in at the identity provider in flight: the API and the choice to stay signed in. */
const PENDING_OIDC = 'mediamagic.console.oidc';
interface Auth {
  token: string;
  accountId: string;
  user: { id: string; name: string; email: string };
}

export function LoginPage() {
  const { signIn, ended } = useSession();
  const [mode, setMode] = useState<'logIn' | 'signUp'>('logIn');
  const [api, setApi] = useState(defaultApi);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [stay, setStay] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | Error | null>(null);

  const base = api.replace(/\/+$/, '').replace(/\/graphql$/, '');
  const [oidc, setOidc] = useState(false);
  // Whether this API offers single sign-on (no credential needed to ask).
  useEffect(() => {
    let current = true;
    postGraphql<{ signInMethods: string[] }>(base, '{ signInMethods }', {})
      .then((data) => current && setOidc(data.signInMethods.includes('OIDC')))
      .catch(() => current && setOidc(false));
    return () => {
      current = false;
    };
  }, [base]);
  // Back from the identity provider with a code: finish the sign-in.
  useEffect(() => {
    const params = new URLSearchParams(location.search);
    const code = params.get('code');
    const state = params.get('state');
    const pending = sessionStorage.getItem(PENDING_OIDC);
    if (!code || !state || !pending) return;
    sessionStorage.removeItem(PENDING_OIDC);
    const { api: pendingApi, stay: pendingStay } = JSON.parse(pending) as { api: string; stay: boolean };
    history.replaceState(null, '', `${location.pathname}?api=${encodeURIComponent(pendingApi)}`);
    setBusy(true);
    postGraphql<{ completeOidcLogin: Auth }>(pendingApi, `mutation($c: String!, $s: String!) { completeOidcLogin(code: $c, state: $s) { ${AUTH} } }`, { c: code, s: state })
      .then(({ completeOidcLogin: auth }) => {
        signIn(sessionOf(pendingApi, auth, pendingStay));
        location.hash = '#/media';
      })
      .catch((e) => setProblem(e instanceof Error ? e : new Error(String(e))))
      .finally(() => setBusy(false));
  }, [signIn]);

  async function singleSignOn() {
    setProblem(null);
    try {
      const redirectUri = location.origin + location.pathname;
      const data = await postGraphql<{ startOidcLogin: { authorizationUrl: string } }>(
        base,
        'mutation($r: String) { startOidcLogin(redirectUri: $r) { authorizationUrl } }',
        { r: redirectUri },
      );
      sessionStorage.setItem(PENDING_OIDC, JSON.stringify({ api: base, stay }));
      location.assign(data.startOidcLogin.authorizationUrl);
    } catch (e) {
      setProblem(e instanceof Error ? e : new Error(String(e)));
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const input = mode === 'signUp' ? { email, password, name } : { email, password };
      const type = mode === 'signUp' ? 'SignUpInput' : 'LogInInput';
      const data = await postGraphql<Record<string, Auth>>(
        base,
        `mutation($i: ${type}!) { ${mode}(input: $i) { ${AUTH} } }`,
        { i: input },
      );
      const auth = data[mode]!;
      signIn(sessionOf(base, auth, stay));
      if (!location.hash || location.hash === '#/') location.hash = '#/media';
    } catch (e) {
      setProblem(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login" id="main">
      <h1>Media Magic</h1>
      <p className="muted">Media, models and GPU jobs in one API.</p>
      {ended && (
        <div className="notice" role="status">
          {ended}
        </div>
      )}
      <div role="tablist" aria-label="Account" className="tabs">
        <button type="button" role="tab" aria-selected={mode === 'logIn'} onClick={() => setMode('logIn')}>
          Log in
        </button>
        <button type="button" role="tab" aria-selected={mode === 'signUp'} onClick={() => setMode('signUp')}>
          Sign up
        </button>
      </div>
      <form onSubmit={submit} aria-label={mode === 'signUp' ? 'Sign up' : 'Log in'}>
        {mode === 'signUp' && (
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} required autoComplete="name" />
          </label>
        )}
        <label>
          Email
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="email" />
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            minLength={mode === 'signUp' ? 10 : undefined}
            autoComplete={mode === 'signUp' ? 'new-password' : 'current-password'}
          />
        </label>
        <details>
          <summary>API address</summary>
          <label>
            Media Magic API
            <input type="url" value={api} onChange={(e) => setApi(e.target.value)} required />
          </label>
        </details>
        <label className="check">
          <input type="checkbox" checked={stay} onChange={(e) => setStay(e.target.checked)} /> Stay signed in (this tab)
        </label>
        <ErrorNote error={problem} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'signUp' ? 'Create account' : 'Log in'}
        </button>
      </form>
      {oidc && (
        <p>
          <button type="button" onClick={() => void singleSignOn()} disabled={busy}>
            Sign in with single sign-on
          </button>
        </p>
      )}
    </main>
  );
}
