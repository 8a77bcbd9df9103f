// Media Magic's playground: GraphiQL against the router. Queries and mutations go over
// HTTP with the headers from the Headers tab (`{"Authorization": "Bearer <token>"}` or
// `{"x-mediamagic-key": "<key>"}`). Subscriptions go over WebSocket: the page first trades
// those headers for a short-lived subscription token at the router, then sends it in
// `connection_init`, as every WebSocket client of the platform does.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var httpUrl = new URL(root.dataset.graphql, window.location.href).toString();
  var wsUrl = httpUrl.replace(/^http/, "ws");
  var tokenUrl = new URL(root.dataset.token, window.location.href).toString();
  var http = GraphiQL.createFetcher({ url: httpUrl, enableIncrementalDelivery: false });

  // The operation GraphiQL runs is a subscription: from the parsed document when it is
  // there and names the operation, else from the query text.
  function isSubscription(params, opts) {
    var doc = opts && opts.documentAST;
    var operations = doc
      ? doc.definitions.filter(function (d) {
          return d.kind === "OperationDefinition";
        })
      : [];
    if (params.operationName) {
      operations = operations.filter(function (d) {
        return d.name && d.name.value === params.operationName;
      });
    }
    if (operations.length > 0) {
      return operations[0].operation === "subscription";
    }
    var text = (params.query || "").replace(/#[^\n]*/g, "");
    return /^\s*subscription\b/.test(text);
  }

  async function subscribe(params, opts) {
    var answer = await fetch(tokenUrl, { method: "POST", headers: (opts && opts.headers) || {} });
    var body = await answer.json();
    if (!answer.ok) {
      var first = body.errors && body.errors[0];
      throw new Error(first ? first.message : "the subscription token was refused (HTTP " + answer.status + ")");
    }
    var connectionParams = {};
    connectionParams[body.header] = body.token;
    var ws = GraphiQL.createFetcher({
      url: httpUrl,
      subscriptionUrl: wsUrl,
      wsConnectionParams: connectionParams,
    });
    // No headers: the token in connection_init is the credential.
    // The toolkit routes by the document; give it one that is surely a subscription.
    var documentAST = opts && opts.documentAST && isSubscription(params, { documentAST: opts.documentAST })
      ? opts.documentAST
      : { kind: "Document", definitions: [{ kind: "OperationDefinition", operation: "subscription", name: params.operationName ? { kind: "Name", value: params.operationName } : undefined }] };
    return ws(params, { documentAST: documentAST, headers: {} });
  }

  function fetcher(params, opts) {
    return isSubscription(params, opts) ? subscribe(params, opts) : http(params, opts);
  }

  var defaultQuery = [
    "# Welcome to Media Magic. Put your credential in the Headers tab, for example",
    '#   {"Authorization": "Bearer <session token>"}  or  {"x-mediamagic-key": "<API key>"}',
    "# then run an operation. Subscriptions (myJobs, jobUpdated) stream here too.",
    "",
    "query Me {",
    "  me { id name email }",
    "}",
    "",
  ].join("\n");

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: true,
    })
  );
})();
