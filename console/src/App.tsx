// The console: the log-in page until there is a session, then the pages behind a navigation
// bar. Pages are chosen by the URL's hash (`#/jobs/<id>`), so the same static files work at
// /console on the router and from any other origin.
import { useEffect, useMemo, useState } from 'react';
import { Provider } from 'urql';
import { makeClient } from './session/client';
import { SessionProvider, useSession } from './session/session';
import { Layout } from './ui/Layout';
import { LoginPage } from './pages/login/LoginPage';
import { MediaPage } from './pages/media/MediaPage';
import { MediaDetailsPage } from './pages/media/MediaDetailsPage';
import { ModelEditPage } from './pages/models/ModelEditPage';
import { ModelsPage } from './pages/models/ModelsPage';
import { RunPage } from './pages/run/RunPage';
import { JobsPage } from './pages/jobs/JobsPage';
import { JobPage } from './pages/jobs/JobPage';
import { KeysPage } from './pages/keys/KeysPage';
import { TeamsPage } from './pages/teams/TeamsPage';
import { UsagePage } from './pages/usage/UsagePage';
import { ClusterPage } from './pages/cluster/ClusterPage';

export function App() {
  return (
    <SessionProvider>
      <Signed />
    </SessionProvider>
  );
}

function useHash(): string[] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
}

function Signed() {
  const { session, signOut } = useSession();
  const client = useMemo(
    () =>
      session &&
      makeClient(session.api, session.token, () =>
        signOut('Your session ended (signed out, revoked or expired). Please log in again.'),
      ),
    [session, signOut],
  );
  const path = useHash();
  if (!session || !client) return <LoginPage />;
  return (
    <Provider value={client}>
      <Layout current={path[0] ?? 'media'}>
        <Page path={path} key={`${session.acting.id}/${path.join('/')}`} />
      </Layout>
    </Provider>
  );
}

function Page({ path }: { path: string[] }) {
  const [page, id] = path;
  switch (page) {
    case undefined:
    case 'media':
      return id ? <MediaDetailsPage mediaId={id} /> : <MediaPage />;
    case 'models':
      if (id === 'new') return <ModelEditPage />;
      return id ? <ModelEditPage modelId={id} /> : <ModelsPage />;
    case 'run':
      return <RunPage modelId={id ?? ''} />;
    case 'jobs':
      return id ? <JobPage jobId={id} /> : <JobsPage />;
    case 'keys':
      return <KeysPage />;
    case 'teams':
      return <TeamsPage />;
    case 'usage':
      return <UsagePage />;
    case 'cluster':
      return <ClusterPage />;
    default:
      return (
        <main>
          <h1>Not found</h1>
          <p>
            There is no page <code>#{path.join('/')}</code>. <a href="#/media">Go to media</a>.
          </p>
        </main>
      );
  }
}
