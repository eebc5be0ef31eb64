// @neo4j/graphql side of the benchmark: Apollo Server over the same Neo4j.
// Env: NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, POOL_SIZE, PORT, TYPEDEFS (file path).
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const typeDefs = readFileSync(process.env.TYPEDEFS, "utf8");
const driver = neo4j.driver(
  process.env.NEO4J_URI,
  neo4j.auth.basic(process.env.NEO4J_USER || "neo4j", process.env.NEO4J_PASSWORD),
  { maxConnectionPoolSize: Number(process.env.POOL_SIZE || 32), disableLosslessIntegers: true },
);
const neoSchema = new Neo4jGraphQL({ typeDefs, driver });
const schema = await neoSchema.getSchema();
const server = new ApolloServer({ schema, introspection: true });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT || 4000), host: "127.0.0.1" },
  context: async () => ({ sessionConfig: { database: process.env.NEO4J_DATABASE || "neo4j" } }),
});
console.log(`ready ${url}`);
