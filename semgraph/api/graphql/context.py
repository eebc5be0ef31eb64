"""Per-request context and the long-lived services the resolvers use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from strawberry.fastapi import BaseContext

from semgraph.api.graphql.auth import Authenticator, Caller
from semgraph.api.graphql.errors import AuthenticationError
from semgraph.api.graphql.masking import ResultMasker
from semgraph.api.graphql.settings import ApiSettings
from semgraph.api.graphql.workers import Workers
from semgraph.api.graphql.write_names import WriteNames
from semgraph.reads.model import EntityType

if TYPE_CHECKING:
    from semgraph.api.graphql.reads import GraphReader, ReadBatch
    from semgraph.bootstrap import Container
    from semgraph.rag.retriever import HybridRetriever


@dataclass
class GraphQLServices:
    """Built once per app: the schema model, the reader and the settings."""

    container: Container
    settings: ApiSettings
    model: dict[str, EntityType]
    reader: GraphReader
    authenticator: Authenticator
    workers: Workers
    """Blocking calls: reads and writes in separate pools, failing fast on an outage."""
    # root field name → ("by_id" | "connection" | "aggregate", entity)
    roots: dict[str, tuple[str, EntityType]] = field(default_factory=dict)
    # (object type, field) → resolver of the generated types (``SchemaBuilder``)
    field_resolvers: dict[tuple[str, str], Callable[..., Any]] = field(default_factory=dict)

    @property
    def retriever(self) -> HybridRetriever | None:
        """The RAG retriever behind ``groundedContext`` (``ContextService.retriever``);
        None until the first request opens the index. Set it to serve another index."""
        return self.container.context.retriever

    @retriever.setter
    def retriever(self, value: HybridRetriever | None) -> None:
        self.container.context.retriever = value

    @cached_property
    def write_names(self) -> WriteNames:
        """Translates the names a write uses (those reads show, or the model's)."""
        return WriteNames(self.container.ontology, self.model)

    @cached_property
    def masker(self) -> ResultMasker:
        """Masks rule results, audit entries and alerts (see ``masking``)."""
        return ResultMasker(self.container.ontology, self.container.shapes)

    def masked(self, entity: EntityType, caller: Caller) -> frozenset[str]:
        """Scalar fields of ``entity`` that ``caller`` sees masked."""
        return _masked(entity, caller.roles)


@lru_cache(maxsize=1024)
def _masked(entity: EntityType, roles: tuple[str, ...]) -> frozenset[str]:
    return entity.masked_for(roles)


class RequestContext(BaseContext):
    """What every resolver gets as ``info.context``: the caller and the services."""

    def __init__(self, services: GraphQLServices, caller: Caller | None) -> None:
        super().__init__()
        self.services = services
        self.caller = caller
        self.batch: ReadBatch | None = None
        self.extra: dict[str, Any] = {}

    def require_caller(self) -> Caller:
        """The caller; AuthenticationError when the request carried no credentials, or
        when its JWT has expired since (a WebSocket outlives the token it opened with)."""
        if self.caller is None:
            raise AuthenticationError("credentials required")
        if self.caller.expired:
            raise AuthenticationError("token expired", hint="reconnect with a fresh token")
        return self.caller
