// The peer of trustgraph's read benchmark (bench/badge_reads.py): the official @neo4j/graphql
// library on Apollo Server, one Node process, over the same Neo4j, with type definitions for
// what trustgraph stores: a shop's or host's Standing (badges, boost) and a buyer's TRUST
// relationships. This is what a user would pick instead of trustgraph to serve stored badges.
//
//   node peer.mjs --port 38200 --uri bolt://127.0.0.1:37687 --user neo4j --password ...
//
// Prints "ready <port>" on stdout once it serves.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "38200" },
    uri: { type: "string" },
    user: { type: "string", default: "neo4j" },
    password: { type: "string" },
    database: { type: "string", default: "neo4j" },
  },
});

// @neo4j/graphql 7: every relationship field is a list. TRUST has properties (a
// @relationshipProperties type); a shop's Standing points at it (STANDING_OF, incoming).
const typeDefs = /* GraphQL */ `
  type Standing @node {
    id: ID!
    eligible: Boolean
    badges: [String!]
    multiplier: Float
    tier: String
    asOf: BigInt
  }
  type Shop @node {
    id: ID!
    name: String
    rights: [String!]
    standing: [Standing!]! @relationship(type: "STANDING_OF", direction: IN)
  }
  type Host @node {
    id: ID!
    name: String
    standing: [Standing!]! @relationship(type: "STANDING_OF", direction: IN)
  }
  type Trust @relationshipProperties {
    level: String
    score: Float
    confidence: Float
    asOf: BigInt
  }
  type Buyer @node {
    id: ID!
    trustedHosts: [Host!]! @relationship(type: "TRUST", direction: OUT, properties: "Trust")
  }
`;

const driver = neo4j.driver(args.uri, neo4j.auth.basic(args.user, args.password));
const neoSchema = new Neo4jGraphQL({ typeDefs, driver });
const server = new ApolloServer({ schema: await neoSchema.getSchema() });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(args.port), host: "127.0.0.1" },
  context: async () => ({ sessionConfig: { database: args.database } }),
});
process.stdout.write(`ready ${url}\n`);
const stop = async () => {
  await server.stop();
  await driver.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
