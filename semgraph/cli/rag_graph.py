"""The Neo4j side of the RAG commands: used when reachable, skipped with a note when not."""

from __future__ import annotations

from dataclasses import dataclass

import neo4j
from rich.console import Console

from semgraph.config import get_settings
from semgraph.exceptions import SemgraphError
from semgraph.graph.connection import open_driver
from semgraph.ontology.model import Ontology


@dataclass
class GraphSource:
    """An open driver (close it) with the ontology and database of the configured instance."""

    driver: neo4j.Driver
    ontology: Ontology
    database: str

    def close(self) -> None:
        self.driver.close()


def open_graph_source(out: Console, purpose: str) -> GraphSource | None:
    """The configured Neo4j when it answers; otherwise None after printing why and what
    is skipped (``purpose``), so RAG commands keep working without the graph."""
    settings = get_settings()
    try:
        driver = open_driver(settings, verify=True)
    except SemgraphError as exc:
        out.print(f"[yellow]Neo4j not used[/] ({purpose} skipped): {exc.message}")
        return None
    return GraphSource(driver, Ontology.load(settings.ontology_paths()), settings.neo4j_database)
