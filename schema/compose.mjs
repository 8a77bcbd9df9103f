// Composes schema/<subgraph>.graphql into schema/supergraph.graphql with
// @theguild/federation-composition. Routing URLs are the dev defaults; the router's
// override_subgraph_urls points them elsewhere at run time.
// Usage: node compose.mjs [--check]   (--check fails when the checked-in file differs)
import { composeServices } from "@theguild/federation-composition";
import { parse } from "graphql";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const subgraphs = JSON.parse(readFileSync(join(here, "subgraphs.json"), "utf8"));
const services = subgraphs.map(({ name, url }) => ({
  name,
  url,
  typeDefs: parse(readFileSync(join(here, `${name}.graphql`), "utf8")),
}));
const result = composeServices(services);
if (result.errors && result.errors.length > 0) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
const target = join(here, "supergraph.graphql");
const composed = result.supergraphSdl.trimEnd() + "\n";
if (process.argv.includes("--check")) {
  const current = existsSync(target) ? readFileSync(target, "utf8") : "";
  if (current !== composed) {
    console.error("schema/supergraph.graphql is out of date: run `schema/update.sh`");
    process.exit(1);
  }
  console.log("supergraph up to date");
} else {
  writeFileSync(target, composed);
  console.log(`wrote ${target}`);
}
