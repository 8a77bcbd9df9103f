// Typed operations against Media Magic, as a web app writes them: `graphql()` is generated
// from schema/public.graphql (npm run codegen), so every result and variable is typed and a
// field that does not exist is a compile error (npm run typecheck).
import { createClient } from 'graphql-ws';
import type { ResultOf, TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { graphql } from './gql';
import type { JobStatus } from './gql/graphql';

export const Me = graphql(`
  query Me {
    me { id name email teams { role team { id name } } }
  }
`);

export const Deploy = graphql(`
  mutation Deploy($input: CreateDeploymentInput!, $key: String) {
    createDeployment(input: $input, idempotencyKey: $key) {
      id
      job { id status queuePosition estimatedStartAt }
    }
  }
`);

export const JobUpdated = graphql(`
  subscription JobUpdated($id: ID!) {
    jobUpdated(id: $id) { id status progress message outputs { id name url } }
  }
`);

export const MyMedia = graphql(`
  query MyMedia($first: Int, $after: String) {
    mediaList(first: $first, after: $after) {
      nodes { id name kind status tags url }
      pageInfo { hasNextPage endCursor }
      totalCount
    }
  }
`);

/** One typed request over HTTP. */
export async function request<R, V>(
  api: string,
  token: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
): Promise<R> {
  const response = await fetch(`${api}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: R; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length || !body.data) {
    const first = body.errors?.[0];
    throw new Error(`${first?.extensions?.code ?? 'ERROR'}: ${first?.message ?? 'no data'}`);
  }
  return body.data;
}

/** Deploys audio-extract on a video and resolves with the job's final status. */
export async function extractAudio(api: string, token: string, video: string): Promise<JobStatus> {
  const { me } = await request(api, token, Me, {});
  console.log(`deploying as ${me.email}`);
  const deployed = await request(api, token, Deploy, {
    input: { model: 'audio-extract', args: { video } },
    key: `extract-${video}`,
  });
  const job = deployed.createDeployment.job;
  if (!job) throw new Error('the deployment queued no job');
  const jobId: string = job.id;
  const ws = createClient({
    url: api.replace(/^http/, 'ws') + '/graphql',
    // The same credential as over HTTP, checked by the router at connection_init.
    connectionParams: { Authorization: `Bearer ${token}` },
  });
  return new Promise((resolve, reject) => {
    // `status` is nullable in the schema; it is set on every job the API returns.
    let last: JobStatus = job.status ?? 'QUEUED';
    ws.subscribe(
      { query: print(JobUpdated), variables: { id: jobId } },
      {
        next: ({ data }) => {
          const update = (data as ResultOf<typeof JobUpdated> | null | undefined)?.jobUpdated;
          if (update?.status) last = update.status;
        },
        error: reject,
        complete: () => {
          void ws.dispose();
          resolve(last);
        },
      },
    );
  });
}

/** Every media name, page by page. */
export async function mediaNames(api: string, token: string): Promise<string[]> {
  const names: string[] = [];
  let after: string | null | undefined = null;
  for (;;) {
    const page: ResultOf<typeof MyMedia> = await request(api, token, MyMedia, { first: 100, after });
    names.push(...page.mediaList.nodes.map((m) => m.name));
    if (!page.mediaList.pageInfo.hasNextPage) return names;
    after = page.mediaList.pageInfo.endCursor;
  }
}
