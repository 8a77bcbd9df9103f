// Hive Gateway (@graphql-hive/gateway, its programmatic runtime on node:http) over the
// supergraph in $SUPERGRAPH, on 127.0.0.1:$PORT, forwarding the client's
// x-mediamagic-internal header to every subgraph. Prints "ready" once listening.
import { createServer } from "node:http";
import { createGatewayRuntime } from "@graphql-hive/gateway";

const gateway = createGatewayRuntime({
  supergraph: process.env.SUPERGRAPH,
  logging: "error",
  propagateHeaders: {
    fromClientToSubgraphs({ request }) {
      const internal = request.headers.get("x-mediamagic-internal");
      return internal ? { "x-mediamagic-internal": internal } : {};
    },
  },
});
createServer(gateway).listen(Number(process.env.PORT), "127.0.0.1", () => {
  console.log(`ready http://127.0.0.1:${process.env.PORT}/graphql`);
});
