"""Parse and validate each distinct query text once, not once per request.

Applications send the same few documents over and over with different variables, so
``DocumentCache`` keeps the parsed document of each query text and remembers which
ones passed validation (with every rule: graphql's own, the depth and alias limits,
``DisableIntrospection`` when configured). Values never enter the cache: variables
are coerced and the operation executed on every request. Documents that fail
validation are not cached, so their errors are built fresh each time.

The limit rules are created once (``limit_rules``): strawberry's limiter extensions
make a new rule class per request, which would make every validation a cache miss.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from threading import Lock

from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.schema import validate_document

Rules = tuple[type[ASTValidationRule], ...]


def limit_rules(max_depth: int, max_aliases: int) -> Rules:
    """The depth and alias limit rules, built once per schema."""
    return (
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    )


@dataclass
class _Entry:
    document: DocumentNode
    valid_under: set[Rules] = field(default_factory=set)


class DocumentStore:
    """LRU of parsed documents by query text, each with the rule sets it passed; bounded
    in entries and in bytes of query text (comments count), larger texts are not kept."""

    def __init__(
        self, maxsize: int = 512, max_bytes: int = 2_000_000, max_entry_bytes: int = 50_000
    ) -> None:
        self.maxsize, self.max_bytes, self.max_entry_bytes = maxsize, max_bytes, max_entry_bytes
        self._entries: OrderedDict[tuple[str, int | None], _Entry] = OrderedDict()
        self._lock = Lock()
        self.bytes = 0
        """UTF-8 length of the cached query texts, comments included (a parsed document
        takes some 20 times its text in memory)."""

    def entry(self, query: str, max_tokens: int | None) -> _Entry:
        """The cached entry; raises GraphQLError on a syntax error or too many tokens."""
        key = (query, max_tokens)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        entry = _Entry(parse(query, max_tokens=max_tokens))
        size = len(query.encode("utf-8", "surrogatepass"))
        if size > self.max_entry_bytes:
            return entry  # served, not kept: one large document must not evict the rest
        with self._lock:
            if key not in self._entries:
                self.bytes += size
            self._entries[key] = entry
            while len(self._entries) > self.maxsize or self.bytes > self.max_bytes:
                (old_query, _), _ = self._entries.popitem(last=False)
                self.bytes -= len(old_query.encode("utf-8", "surrogatepass"))
        return entry


class DocumentCache(SchemaExtension):
    """Serves parse and validation from a ``DocumentStore`` shared by all requests."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self._entry: _Entry | None = None

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        if ctx.query is not None and ctx.graphql_document is None:
            try:
                self._entry = self.store.entry(ctx.query, ctx.parse_options.get("max_tokens"))
                ctx.graphql_document = self._entry.document
            except GraphQLError:
                pass  # strawberry parses again and reports the syntax error the usual way
        yield

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        entry, rules = self._entry, ctx.validation_rules
        if entry is not None and entry.document is ctx.graphql_document:
            if rules in entry.valid_under:
                ctx.pre_execution_errors = []
            elif ctx.pre_execution_errors is None:
                errors = validate_document(ctx.schema._schema, entry.document, rules)
                if not errors:
                    entry.valid_under.add(rules)
                ctx.pre_execution_errors = errors
        yield
