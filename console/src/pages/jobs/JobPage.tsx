// One job, live: status and progress over `jobUpdated`, log lines over `jobLogs` from a
// cursor, the queue position and estimated start while it waits, cancel and retry, and its
// outputs with players and downloads, and its structured result.
import { useEffect, useState } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { graphql } from '../../gql';
import { ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel } from '../../ui/OperationPanel';
import { Preview } from '../media/MediaPage';

const JobDocument = graphql(`
  query Job($id: ID!) {
    job(id: $id) {
      id status progress message queuePosition estimatedStartAt attempts machineType createdAt startedAt finishedAt
      error { code message }
      cost { formatted }
      deployment { name args model { name } }
      outputs { id name kind url thumbnailUrl contentType }
      result
      logs(limit: 500) { lines { cursor line stream } endCursor }
    }
  }
`);

export const JobUpdatedDocument = graphql(`
  subscription JobUpdated($id: ID!) {
    jobUpdated(id: $id) {
      id status progress message queuePosition estimatedStartAt
      error { code message }
      outputs { id name kind url thumbnailUrl contentType }
      result
    }
  }
`);

const JobLogsDocument = graphql(`
  subscription JobLogs($id: ID!, $after: String) {
    jobLogs(id: $id, after: $after) { cursor line stream }
  }
`);

const CancelJobDocument = graphql(`
  mutation CancelJob($id: ID!) {
    cancelJob(id: $id) { id status cancelRequested }
  }
`);

const RetryJobDocument = graphql(`
  mutation RetryJob($id: ID!) {
    retryJob(id: $id) { id status }
  }
`);

const FINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export function JobPage({ jobId }: { jobId: string }) {
  const [job] = useQuery({ query: JobDocument, variables: { id: jobId } });
  const [live] = useSubscription({ query: JobUpdatedDocument, variables: { id: jobId } });
  const after = job.data?.job.logs.endCursor ?? undefined;
  const [lines, setLines] = useState<{ cursor: string; line: string; stream: string }[]>([]);
  const [logs] = useSubscription({ query: JobLogsDocument, variables: { id: jobId, after }, pause: !job.data });
  const [cancelled, cancel] = useMutation(CancelJobDocument);
  const [retried, retry] = useMutation(RetryJobDocument);
  useEffect(() => {
    const line = logs.data?.jobLogs;
    if (line) setLines((all) => (all.some((l) => l.cursor === line.cursor) ? all : [...all, line]));
  }, [logs.data]);

  if (job.fetching && !job.data) return <Loading what="the job" />;
  if (job.error || !job.data) return <ErrorNote error={job.error} />;
  const now = { ...job.data.job, ...(live.data?.jobUpdated ?? {}) };
  const status = now.status ?? 'QUEUED';
  const allLines = [...job.data.job.logs.lines, ...lines];
  return (
    <main>
      <h1>
        Job {job.data.job.deployment?.name || jobId.slice(0, 8)}{' '}
        <span className={`status ${status.toLowerCase()}`} data-testid="job-status" data-source={live.data ? 'subscription' : 'query'}>
          {status}
        </span>
      </h1>
      <p className="muted">
        {job.data.job.deployment?.model.name} on <code>{job.data.job.machineType}</code> · attempt {job.data.job.attempts} · cost {job.data.job.cost.formatted}
      </p>
      <div aria-live="polite">
        <progress max={1} value={now.progress} aria-label="Progress" /> {Math.round(now.progress * 100)}% {now.message ?? ''}
        {status === 'QUEUED' && (
          <p>
            Waiting in line{now.queuePosition ? ` (position ${now.queuePosition})` : ''}
            {now.estimatedStartAt ? `, expected to start ${new Date(now.estimatedStartAt).toLocaleTimeString()}` : ''}.
          </p>
        )}
        {now.error && <ErrorNote error={now.error} />}
      </div>
      <p className="actions">
        {!FINAL.includes(status) && (
          <button type="button" onClick={() => void cancel({ id: jobId })} disabled={cancelled.fetching}>
            Cancel job
          </button>
        )}
        {(status === 'FAILED' || status === 'CANCELLED') && (
          <button type="button" onClick={() => void retry({ id: jobId })} disabled={retried.fetching}>
            Retry job
          </button>
        )}
      </p>
      <ErrorNote error={cancelled.error ?? retried.error} />
      <h2>Outputs</h2>
      {now.outputs.length === 0 ? (
        <p className="empty">{FINAL.includes(status) ? 'This job made no outputs.' : 'Outputs appear here when the job succeeds.'}</p>
      ) : (
        <ul className="cards" aria-label="Outputs">
          {now.outputs.map((o) => (
            <li key={o.id} className="card">
              <Preview kind={o.kind ?? null} url={o.url ?? null} thumbnail={o.thumbnailUrl ?? null} name={o.name} />
              <h3>{o.name}</h3>
              {o.url && (
                <a href={o.url} download={o.name}>
                  Download {o.name}
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
      {now.result != null && (
        <>
          <h2>Result</h2>
          <ResultSummary result={now.result} />
          <pre className="logs" aria-label="Result" tabIndex={0}>
            {JSON.stringify(now.result, null, 2)}
          </pre>
        </>
      )}
      <h2>Logs</h2>
      {allLines.length === 0 ? (
        <p className="empty">No log lines yet.</p>
      ) : (
        <pre className="logs" aria-label="Log lines" tabIndex={0}>
          {allLines.map((l) => `${l.stream === 'stderr' ? '! ' : ''}${l.line}`).join('\n')}
        </pre>
      )}
      <OperationPanel document={JobUpdatedDocument} variables={{ id: jobId }} name="JobUpdated" />
    </main>
  );
}

/** A line about the result's best-known fields (faces found, foreground share, tags). */
function ResultSummary({ result }: { result: unknown }) {
  const r = (result ?? {}) as { faces?: unknown[]; foreground_share?: number; tags?: string[] };
  const parts: string[] = [];
  if (Array.isArray(r.faces)) parts.push(`${r.faces.length} face${r.faces.length === 1 ? '' : 's'} found`);
  if (typeof r.foreground_share === 'number') parts.push(`${Math.round(r.foreground_share * 100)}% foreground`);
  if (Array.isArray(r.tags) && r.tags.length) parts.push(`proposes tags: ${r.tags.join(', ')}`);
  return parts.length ? <p data-testid="result-summary">{parts.join(' · ')}.</p> : null;
}
