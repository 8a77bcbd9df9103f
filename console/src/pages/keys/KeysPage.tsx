// API keys (long-lived, revocable at once; the secret is shown once) and session tokens for
// scripts: seed 000's "quick way of generating user and organisation tokens".
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../../gql';
import { useSignedIn } from '../../session/session';
import { Empty, ErrorNote, Loading } from '../../ui/feedback';
import { OperationPanel, Snippet } from '../../ui/OperationPanel';

export const ApiKeysDocument = graphql(`
  query ApiKeys($first: Int) {
    apiKeys(first: $first) {
      nodes { id name prefix ownerKind scopes createdAt lastUsedAt expiresAt revokedAt }
    }
  }
`);

const CreateApiKeyDocument = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { secret apiKey { id name } }
  }
`);

const RevokeApiKeyDocument = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) { id revokedAt }
  }
`);

export function KeysPage() {
  const session = useSignedIn();
  const [keys, refresh] = useQuery({ query: ApiKeysDocument, variables: { first: 100 } });
  const [created, create] = useMutation(CreateApiKeyDocument);
  const [revoked, revoke] = useMutation(RevokeApiKeyDocument);
  const [name, setName] = useState('');
  const [readOnly, setReadOnly] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const teamId = session.acting.kind === 'TEAM' ? session.acting.id : undefined;
    const result = await create({ input: { name, teamId, ...(readOnly ? { scopes: ['READ' as const] } : {}) } });
    if (result.data?.createApiKey.secret) {
      setSecret(result.data.createApiKey.secret);
      setName('');
      refresh({ requestPolicy: 'network-only' });
    }
  }

  return (
    <main>
      <h1>Tokens & keys</h1>
      <section aria-labelledby="new-key">
        <h2 id="new-key">New API key {session.acting.kind === 'TEAM' ? `for team ${session.acting.name}` : ''}</h2>
        <form onSubmit={submit} className="inline">
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
          </label>
          <label className="check">
            <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} /> Read only
          </label>
          <button type="submit" className="primary" disabled={created.fetching}>
            Create key
          </button>
        </form>
        <ErrorNote error={created.error} />
        {secret && (
          <div className="secret" role="status">
            <p>
              <strong>Copy this key now: it is shown only once.</strong>
            </p>
            <Snippet label="key" text={secret} />
            <Snippet label="curl with the key" text={`curl ${session.api}/graphql -H 'content-type: application/json' -H 'x-mediamagic-key: ${secret}' -d '{"query": "{ actingAccount { id kind } }"}'`} />
          </div>
        )}
      </section>
      <section aria-labelledby="keys">
        <h2 id="keys">Keys</h2>
        {keys.fetching && !keys.data && <Loading what="keys" />}
        <ErrorNote error={keys.error ?? revoked.error} />
        {keys.data && keys.data.apiKeys.nodes.length === 0 && <Empty>No keys yet.</Empty>}
        {keys.data && keys.data.apiKeys.nodes.length > 0 && (
          <table tabIndex={0}>
            <caption className="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.apiKeys.nodes.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.scopes.join(', ').toLowerCase()}</td>
                  <td>{k.lastUsedAt ? new Date(k.lastUsedAt).toLocaleString() : 'never'}</td>
                  <td>
                    {k.revokedAt ? (
                      'revoked'
                    ) : (
                      <button type="button" onClick={() => void revoke({ id: k.id }).then(() => refresh({ requestPolicy: 'network-only' }))}>
                        Revoke {k.name}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="token">
        <h2 id="token">Your session token</h2>
        <p>For a quick script: valid until it expires or you log out. Team tokens are made on the Teams page.</p>
        <Snippet label="token" text={session.token} />
      </section>
      <OperationPanel document={CreateApiKeyDocument} variables={{ input: { name: 'my key' } }} name="CreateApiKey" />
    </main>
  );
}
