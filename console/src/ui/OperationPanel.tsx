// Every page shows the GraphQL operation it runs, with a copyable curl command and a
// TypeScript snippet using the generated types: the console is also the example UI teams
// learn from.
import { print, type DocumentNode } from 'graphql';
import { useState } from 'react';
import { useSignedIn } from '../session/session';

export function OperationPanel({ document, variables, name }: { document: DocumentNode; variables?: Record<string, unknown>; name: string }) {
  const session = useSignedIn();
  const query = print(document);
  const body = JSON.stringify({ query, variables: variables ?? {} });
  const curl = `curl ${session.api}/graphql \\\n  -H 'content-type: application/json' \\\n  -H "authorization: Bearer $TOKEN" \\\n  -d '${body.replace(/'/g, "'\\''")}'`;
  const typescript = `import { ${name}Document } from './gql/graphql';\nimport { Client, fetchExchange } from 'urql';\n\nconst client = new Client({\n  url: '${session.api}/graphql',\n  exchanges: [fetchExchange],\n  fetchOptions: { headers: { authorization: \`Bearer \${token}\` } },\n});\nconst result = await client.query(${name}Document, ${JSON.stringify(variables ?? {})}).toPromise();`;
  return (
    <details className="operation">
      <summary>GraphQL operation: {name}</summary>
      <Snippet label="Operation" text={query} />
      <Snippet label="curl" text={curl} />
      <Snippet label="TypeScript (generated types)" text={typescript} />
    </details>
  );
}

export function Snippet({ label, text }: { label: string; text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <figure className="snippet">
      <figcaption>
        {label}{' '}
        <button
          type="button"
          onClick={() => {
            void navigator.clipboard?.writeText(text).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : `Copy ${label}`}
        </button>
      </figcaption>
      <pre>
        <code>{text}</code>
      </pre>
    </figure>
  );
}
