// Apollo Gateway (with @apollo/server) over the supergraph in $SUPERGRAPH (its subgraph URLs
// already point at the running subgraphs), on 127.0.0.1:$PORT. It forwards the client's
// x-mediamagic-internal header (a bench-minted internal token) to every subgraph, as our
// router forwards the one it mints. Prints "ready" once listening.
import { readFileSync } from "node:fs";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH, "utf8"),
  buildService({ url }) {
    return new RemoteGraphQLDataSource({
      url,
      willSendRequest({ request, context }) {
        if (context.internal) {
          request.http.headers.set("x-mediamagic-internal", context.internal);
        }
      },
    });
  },
});
const server = new ApolloServer({ gateway, csrfPrevention: false, includeStacktraceInErrorResponses: false });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(process.env.PORT) },
  context: async ({ req }) => ({ internal: req.headers["x-mediamagic-internal"] }),
});
console.log(`ready ${url}`);
