// A web app's standard GraphQL-over-WebSocket client: graphql-ws (as Apollo Client and urql
// use it), with the credential in `connectionParams`. Usage:
//   node graphql-ws-subscribe.mjs <ws url> '<connectionParams JSON>' '<query>' '<variables JSON>'
// Prints one JSON line per event: {"event": "connected"}, {"event": "next", "payload"},
// {"event": "error", "error"}, {"event": "closed", "code", "reason"}, {"event": "complete"};
// exits 0 after `complete`, 1 after an error or a close before it.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, params, query, variables] = process.argv.slice(2);
const print = (line) => process.stdout.write(JSON.stringify(line) + '\n');
let done = false;
const finish = (code) => {
  if (done) return;
  done = true;
  client.dispose();
  setTimeout(() => process.exit(code), 50);
};

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: JSON.parse(params),
  lazy: false,
  retryAttempts: 0,
  on: {
    connected: () => print({ event: 'connected' }),
    closed: (event) => {
      print({ event: 'closed', code: event.code, reason: String(event.reason ?? '') });
      finish(1);
    },
  },
});

client.subscribe(
  { query, variables: JSON.parse(variables || '{}') },
  {
    next: (payload) => print({ event: 'next', payload }),
    error: (error) => {
      const described = Array.isArray(error)
        ? error
        : { message: String(error?.message ?? error), code: error?.code, reason: error?.reason };
      print({ event: 'error', error: described });
      finish(1);
    },
    complete: () => {
      print({ event: 'complete' });
      finish(0);
    },
  },
);
