// The cluster: machine types with their slots, load and queue; which catalogue models can
// run (and what an operator installs when one cannot); workers and agents for admins.
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel } from '../../ui/OperationPanel';

export const ClusterDocument = graphql(`
  query Cluster {
    cluster {
      drivers sandboxes
      machineTypes { name capacity busy queued workers }
      runtimes
      catalogue { slug machineType runtime runnable hint }
      workers { id hostname driver busy alive lastHeartbeatAt }
      agents { name site machineTypes slots runningJobs workers lastSeenAt version revokedAt }
    }
  }
`);

export function ClusterPage() {
  const [cluster] = useQuery({ query: ClusterDocument });
  if (cluster.fetching && !cluster.data) return <Loading what="the cluster" />;
  if (cluster.error || !cluster.data) return <ErrorNote error={cluster.error} />;
  const c = cluster.data.cluster;
  return (
    <main>
      <h1>Cluster</h1>
      <p className="muted">
        Drivers: {c.drivers.join(', ') || 'none'} · sandbox: {c.sandboxes.join(', ') || 'none'}
      </p>
      <table tabIndex={0}>
        <caption>Machine types</caption>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Slots</th>
            <th scope="col">Busy</th>
            <th scope="col">Queued</th>
            <th scope="col">Workers</th>
          </tr>
        </thead>
        <tbody>
          {c.machineTypes.map((m) => (
            <tr key={m.name}>
              <td>{m.name}</td>
              <td>{m.capacity === 0 ? 'none (jobs wait)' : m.capacity}</td>
              <td>{m.busy}</td>
              <td>{m.queued}</td>
              <td>{m.workers}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table tabIndex={0}>
        <caption>Catalogue models {c.runtimes.length ? `(runtimes: ${c.runtimes.join(', ')})` : ''}</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Type</th>
            <th scope="col">Runtime</th>
            <th scope="col">Runs here</th>
          </tr>
        </thead>
        <tbody>
          {c.catalogue.map((m) => (
            <tr key={m.slug}>
              <td>{m.slug}</td>
              <td>{m.machineType}</td>
              <td>{m.runtime ?? '—'}</td>
              <td>{m.runnable ? 'yes' : `no: ${m.hint ?? ''}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {c.workers.length > 0 && (
        <table tabIndex={0}>
          <caption>Workers</caption>
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">Host</th>
              <th scope="col">Driver</th>
              <th scope="col">Busy</th>
              <th scope="col">Alive</th>
            </tr>
          </thead>
          <tbody>
            {c.workers.map((w) => (
              <tr key={w.id}>
                <td>{w.id}</td>
                <td>{w.hostname}</td>
                <td>{w.driver}</td>
                <td>{w.busy}</td>
                <td>{w.alive ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {c.agents.length > 0 && (
        <table tabIndex={0}>
          <caption>Agents</caption>
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Site</th>
              <th scope="col">Types</th>
              <th scope="col">Slots</th>
              <th scope="col">Running</th>
              <th scope="col">Last seen</th>
              <th scope="col">Version</th>
            </tr>
          </thead>
          <tbody>
            {c.agents.map((a) => (
              <tr key={`${a.name}-${a.revokedAt ?? 'live'}`}>
                <td>{a.revokedAt ? `${a.name} (revoked)` : a.name}</td>
                <td>{a.site ?? '—'}</td>
                <td>{a.machineTypes.join(', ')}</td>
                <td>{a.slots}</td>
                <td>{a.runningJobs}</td>
                <td>{a.lastSeenAt ? new Date(a.lastSeenAt).toLocaleString() : 'never'}</td>
                <td>{a.version ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <OperationPanel document={ClusterDocument} name="Cluster" />
    </main>
  );
}
