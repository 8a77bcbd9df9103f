// Usage and billing: the current period's machine time and cost by model (a bar chart) and
// machine type, the budget, storage and upload quotas, warnings, and invoices.
import { useQuery } from 'urql';
import { graphql } from '../../gql';
import { Empty, ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel } from '../../ui/OperationPanel';

export const UsageDocument = graphql(`
  query Usage {
    usage {
      period currency warnings
      total { formatted amount }
      byModel { name machineSeconds attempts amount { amount formatted } }
      byMachineType { name machineSeconds amount { amount formatted } }
      budget { monthlyLimit { formatted } spent { formatted } remaining { formatted } hard exceeded }
    }
    uploadQuota { storageBytes storedBytes pendingUploads maxPendingUploads activeUploads maxConcurrentUploads }
    invoices(first: 12) { nodes { id period total { formatted } } }
  }
`);

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 3 : 1)} GiB`;

export function UsagePage() {
  const [usage] = useQuery({ query: UsageDocument });
  if (usage.fetching && !usage.data) return <Loading what="usage" />;
  if (usage.error || !usage.data) return <ErrorNote error={usage.error} />;
  const u = usage.data.usage;
  // Bars by machine time: costs can be zero (a free allowance, zero prices) when time is not.
  const largest = Math.max(0.001, ...u.byModel.map((m) => m.machineSeconds));
  return (
    <main>
      <h1>Usage</h1>
      <p>
        Period <strong>{u.period}</strong>: <strong>{u.total.formatted}</strong> so far.
      </p>
      {u.warnings.map((w) => (
        <p key={w} className="notice" role="status">
          {w}
        </p>
      ))}
      <h2>Budget and quotas</h2>
      <ul>
        <li>
          {u.budget
            ? `Budget: ${u.budget.spent.formatted} of ${u.budget.monthlyLimit.formatted} spent, ${u.budget.remaining.formatted} left (${u.budget.hard ? 'hard: jobs stop past it' : 'soft: a warning past it'})${u.budget.exceeded ? '. Exceeded.' : '.'}`
            : 'No monthly budget set.'}
        </li>
        <li>
          Storage: {gib(usage.data.uploadQuota.storedBytes)} of {gib(usage.data.uploadQuota.storageBytes)} used.
        </li>
        <li>
          Uploads: {usage.data.uploadQuota.pendingUploads} unfinished of {usage.data.uploadQuota.maxPendingUploads} allowed, {usage.data.uploadQuota.activeUploads} of{' '}
          {usage.data.uploadQuota.maxConcurrentUploads} at once.
        </li>
      </ul>
      <h2>By model</h2>
      {u.byModel.length === 0 ? (
        <Empty>No jobs ran this period.</Empty>
      ) : (
        <ul className="bars" aria-label="Machine time and cost by model">
          {u.byModel.map((m) => (
            <li key={m.name}>
              <span className="bar-label">{m.name}</span>
              <span className="bar" style={{ width: `${(m.machineSeconds / largest) * 100}%` }} aria-hidden="true" />
              <span>
                {m.amount.formatted} · {m.machineSeconds.toFixed(1)} s · {m.attempts} {m.attempts === 1 ? 'run' : 'runs'}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h2>By machine type</h2>
      <ul>
        {u.byMachineType.map((m) => (
          <li key={m.name}>
            {m.name}: {m.amount.formatted} ({m.machineSeconds.toFixed(1)} s)
          </li>
        ))}
      </ul>
      <h2>Invoices</h2>
      {usage.data.invoices.nodes.length === 0 ? (
        <Empty>No invoices yet.</Empty>
      ) : (
        <ul>
          {usage.data.invoices.nodes.map((i) => (
            <li key={i.id}>
              {i.period}: {i.total.formatted}
            </li>
          ))}
        </ul>
      )}
      <OperationPanel document={UsageDocument} name="Usage" />
    </main>
  );
}
