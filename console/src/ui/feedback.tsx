// Loading, empty and error states, the same on every page.
import type { CombinedError } from 'urql';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** The API's own message and code (`extensions.code`), or the network failure. */
export function ErrorNote({ error }: { error: CombinedError | Error | { message: string; code?: string } | null | undefined }) {
  if (!error) return null;
  let code: string | undefined;
  let message = error.message;
  if ('graphQLErrors' in error && error.graphQLErrors.length) {
    const first = error.graphQLErrors[0]!;
    code = first.extensions?.code as string | undefined;
    message = first.message;
  } else if ('networkError' in error && error.networkError) {
    message = `The API could not be reached: ${error.networkError.message}`;
  } else if ('code' in error && typeof error.code === 'string') {
    code = error.code;
  }
  return (
    <div className="error" role="alert">
      {code && <code className="code">{code}</code>} {message}
    </div>
  );
}
