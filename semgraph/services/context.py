"""``ContextService``: grounded context for a question, masked for the caller's role.

The one place that assembles retrieval (the local RAG index), graph facts (Neo4j, for that
role) and redaction, for GraphQL's ``groundedContext`` and ``semgraph ask`` alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import neo4j

from semgraph.ontology.model import Ontology
from semgraph.rag.context import grounded_context
from semgraph.rag.graph_expansion import Neo4jGraphExpander
from semgraph.rag.masking import redaction_for
from semgraph.rag.redaction import RedactionRules
from semgraph.rag.settings import RagSettings
from semgraph.rag.types import GroundedContext, RetrievalMode, SearchFilters

if TYPE_CHECKING:
    from semgraph.rag.index_store import IndexStore
    from semgraph.rag.retriever import HybridRetriever


class ContextService:
    """Opens the index named by the RAG settings on first use and keeps it open."""

    def __init__(
        self,
        ontology: Ontology,
        settings: RagSettings,
        driver: Callable[[], neo4j.Driver] | None,
        database: str,
    ) -> None:
        """``driver`` gives the Neo4j driver for graph facts (None: passages only)."""
        self.ontology = ontology
        self.settings = settings
        self._driver = driver
        self.database = database
        self.retriever: HybridRetriever | None = None
        """The retriever; set it to serve from another index (tests do)."""
        self._store: IndexStore | None = None
        self._lock = threading.Lock()

    def redaction(self, role: str | None) -> RedactionRules:
        """Redaction rules for ``role``; UnknownTermError for a role the ontology lacks."""
        return redaction_for(self.ontology, role)

    def open_retriever(self) -> HybridRetriever:
        """The retriever, opening the index (and its embedding model) on first use."""
        with self._lock:
            if self.retriever is None:
                # faiss and the embedding model load only when context is asked for
                from semgraph.rag.index_store import open_index
                from semgraph.rag.retriever import HybridRetriever

                self._store = open_index(self.settings)
                self.retriever = HybridRetriever(self._store)
            return self.retriever

    def grounded(
        self,
        question: str,
        role: str | None,
        filters: SearchFilters | None = None,
        k: int = 5,
        *,
        mode: RetrievalMode | None = None,
        graph: bool = True,
    ) -> GroundedContext:
        """The ``k`` best passages, graph facts about the entities they link (when
        ``graph`` and a driver is configured), a context text and its evidence; every
        text redacted for ``role``.

        Raises:
            UnknownTermError: an unknown role. RagError / ConfigurationError: no index.
        """
        redaction = self.redaction(role)  # before the index opens: a bad role fails fast
        expander = (
            Neo4jGraphExpander(self._driver(), self.database, self.ontology, role)
            if graph and self._driver is not None
            else None
        )
        return grounded_context(
            question,
            filters,
            k,
            retriever=self.open_retriever(),
            expander=expander,
            redaction=redaction,
            mode=mode,
        )

    def close(self) -> None:
        """Close the index this service opened."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
                self.retriever = None
