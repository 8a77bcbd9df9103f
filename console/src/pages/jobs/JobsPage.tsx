// Your jobs, kept live by the `myJobs` subscription (every change of every job of yours).
import { useEffect, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { graphql } from '../../gql';
import { Empty, ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel } from '../../ui/OperationPanel';

export const JobsDocument = graphql(`
  query Jobs($first: Int) {
    jobs(first: $first) {
      totalCount
      nodes { id status progress message createdAt machineType queuePosition deployment { name model { name } } }
    }
  }
`);

const MyJobsDocument = graphql(`
  subscription MyJobs {
    myJobs { id status progress message queuePosition }
  }
`);

interface Live {
  status?: string | null;
  progress: number;
  message?: string | null;
  queuePosition?: number | null;
}

export function JobsPage() {
  const [jobs, refresh] = useQuery({ query: JobsDocument, variables: { first: 50 } });
  const [live, setLive] = useState<Record<string, Live>>({});
  const [update] = useSubscription({ query: MyJobsDocument });
  useEffect(() => {
    const job = update.data?.myJobs;
    if (!job) return;
    setLive((all) => ({ ...all, [job.id]: job }));
    if (!jobs.data?.jobs.nodes.some((j) => j.id === job.id)) refresh({ requestPolicy: 'network-only' });
  }, [update.data]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <main>
      <h1>Jobs</h1>
      <p className="muted" aria-live="polite">
        {update.error ? 'Live updates stopped: reload to resume.' : 'Updates live.'}
      </p>
      {jobs.fetching && !jobs.data && <Loading what="jobs" />}
      <ErrorNote error={jobs.error} />
      {jobs.data && jobs.data.jobs.nodes.length === 0 && (
        <Empty>
          No jobs yet: <a href="#/models">run a model</a>.
        </Empty>
      )}
      {jobs.data && jobs.data.jobs.nodes.length > 0 && (
        <table tabIndex={0}>
          <caption className="visually-hidden">Your jobs</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.jobs.nodes.map((j) => {
              const now = { ...j, ...live[j.id] };
              return (
                <tr key={j.id}>
                  <td>
                    <a href={`#/jobs/${j.id}`}>{j.deployment?.name || j.id.slice(0, 8)}</a>
                  </td>
                  <td>{j.deployment?.model.name ?? ''}</td>
                  <td>
                    <span className={`status ${String(now.status).toLowerCase()}`}>{now.status}</span>
                    {now.status === 'QUEUED' && now.queuePosition ? ` (#${now.queuePosition})` : ''}
                  </td>
                  <td>
                    <progress max={1} value={now.progress} aria-label={`Progress of job ${j.id}`} /> {now.message ?? ''}
                  </td>
                  <td>{new Date(j.createdAt).toLocaleString()}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <OperationPanel document={MyJobsDocument} name="MyJobs" />
    </main>
  );
}
