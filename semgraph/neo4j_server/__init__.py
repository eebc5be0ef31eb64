"""The managed local Neo4j server: assembled from Maven Central, started with ``java``."""

from semgraph.neo4j_server.distribution import Distribution, ensure_distribution
from semgraph.neo4j_server.server import ManagedServer, ServerStatus

__all__ = ["Distribution", "ManagedServer", "ServerStatus", "ensure_distribution"]
