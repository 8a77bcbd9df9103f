// The GraphQL client of a session: queries and mutations over HTTP with the token in the
// Authorization header, subscriptions over graphql-ws with the token in connection_init.
// A revoked or expired credential (UNAUTHENTICATED) ends the session.
import { createClient as createWsClient } from 'graphql-ws';
import { Client, fetchExchange, mapExchange, subscriptionExchange, type CombinedError } from 'urql';

export function isUnauthenticated(error: CombinedError): boolean {
  const status = (error.response as Response | undefined)?.status;
  return (
    status === 401 ||
    error.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')
  );
}

export function makeClient(api: string, token: string, onUnauthenticated: () => void): Client {
  const ws = createWsClient({
    url: api.replace(/^http/, 'ws') + '/graphql',
    connectionParams: { Authorization: `Bearer ${token}` },
    lazy: true,
    retryAttempts: 3,
  });
  return new Client({
    url: api + '/graphql',
    requestPolicy: 'network-only',
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
    exchanges: [
      mapExchange({
        onError(error) {
          if (isUnauthenticated(error)) onUnauthenticated();
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}

/** A one-off request outside urql (sign-up and log-in, before a client exists). */
export async function postGraphql<T>(
  api: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<T> {
  const response = await fetch(api + '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    const first = body.errors[0]!;
    throw new ApiProblem(first.message, first.extensions?.code ?? 'ERROR');
  }
  if (!body.data) throw new ApiProblem(`HTTP ${response.status}`, 'ERROR');
  return body.data;
}

/** An error the API answered, with its stable code. */
export class ApiProblem extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}
