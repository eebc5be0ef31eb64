"""Access to the business graph in Neo4j."""
