"""Answer a read-only operation straight from its one Cypher result.

For an operation made only of generated entity reads (``customer(id)``, ``customers``,
``customersAggregate``…), the one statement (``reads.ReadBatch``) already returns the
response as a tree of maps; the per-field executor would only walk it again, calling a
resolver per field and value. ``DirectReads`` runs the statement before execution and,
when every value is there and of the right type, builds the response itself with the
schema's own scalar serializers and the resolvers ``SchemaBuilder`` recorded.

Anything else falls back to the executor, which then reuses the statement already run
(same ``ReadBatch``, no second round trip) and reports errors the usual way: other
root fields, a missing ``by_id`` entity (NOT_FOUND), a statement that failed (invalid
filter, page too large, Neo4j down), variables that do not coerce, a ``null`` in a
non-null field. Masking and limits are untouched: they live in the compiled Cypher
and in validation, which run either way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from typing import Any

from graphql import (
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLObjectType,
    GraphQLOutputType,
    OperationType,
    get_operation_ast,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension

from semgraph.api.graphql.context import RequestContext
from semgraph.api.graphql.reads import ReadBatch
from semgraph.api.graphql.schema_builder import by_response_key
from semgraph.api.graphql.selection import Field, selected_fields


class _UseExecutorError(Exception):
    """This response needs the per-field executor (errors, nulls, other fields)."""


class DirectReads(SchemaExtension):
    """Builds the response of an entity-read-only query without the per-field executor."""

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        request = ctx.context
        if isinstance(request, RequestContext) and request.caller is not None:
            with suppress(_UseExecutorError):
                ctx.result = await _answer(ctx, request)
        yield


async def _answer(ctx: Any, request: RequestContext) -> ExecutionResult:
    schema = ctx.schema._schema
    document = ctx.graphql_document
    operation = get_operation_ast(document, ctx.operation_name)
    if operation is None or operation.operation != OperationType.QUERY:
        raise _UseExecutorError
    services = request.services
    roots = services.roots
    coerced = get_variable_values(schema, operation.variable_definitions or (), ctx.variables or {})
    if isinstance(coerced, list):
        raise _UseExecutorError
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    fields = selected_fields(operation.selection_set.selections, dict(coerced.coerced), fragments)
    if not any(f.name in roots for f in fields) or not all(
        f.name in roots or f.name == "__typename" for f in fields
    ):
        raise _UseExecutorError
    if request.batch is None:
        request.batch = ReadBatch()
    try:
        results = await request.batch.start(request, fields)
    except Exception:  # the executor reports it per field, with its code
        raise _UseExecutorError from None
    shaper = _Shaper(services.field_resolvers)
    query_type = schema.query_type
    data: dict[str, Any] = {}
    try:
        for f in fields:
            if f.name == "__typename":
                data[f.key] = query_type.name
                continue
            value = results[f.key]
            if value is None and roots[f.name][0] == "by_id":
                raise _UseExecutorError  # NOT_FOUND, raised by the root resolver
            data[f.key] = shaper.complete(value, query_type.fields[f.name].type, f)
    except _UseExecutorError:
        raise
    except Exception:  # a value the executor would turn into an error
        raise _UseExecutorError from None
    return ExecutionResult(data=data)


class _Shaper:
    """Completes values the way graphql-core would, for the generated read types."""

    def __init__(self, resolvers: dict[tuple[str, str], Callable[..., Any]]) -> None:
        self.resolvers = resolvers

    def complete(self, value: Any, gql_type: GraphQLOutputType, field: Field) -> Any:
        if is_non_null_type(gql_type):
            done = self.complete(value, gql_type.of_type, field)
            if done is None:
                raise _UseExecutorError  # a null in a non-null field: the executor's error
            return done
        if value is None:
            return None
        if is_leaf_type(gql_type):
            return gql_type.serialize(value)
        if is_list_type(gql_type):
            if not isinstance(value, list):
                raise _UseExecutorError
            item_type = gql_type.of_type
            return [self.complete(item, item_type, field) for item in value]
        if is_object_type(gql_type):
            return self.object(value, gql_type, field.selections)
        raise _UseExecutorError  # interfaces and unions are not generated

    def object(
        self, source: Any, object_type: GraphQLObjectType, selections: list[Field]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        fields = object_type.fields
        for f in selections:
            if f.name == "__typename":
                out[f.key] = object_type.name
                continue
            definition = fields.get(f.name)
            if definition is None:
                raise _UseExecutorError
            resolver = self.resolvers.get((object_type.name, f.name))
            if resolver is None:
                value = source.get(f.name) if isinstance(source, dict) else getattr(source, f.name)
            elif by_response_key(resolver):
                value = source[f.key]
            else:
                value = resolver(source, None, f.arguments)
            out[f.key] = self.complete(value, definition.type, f)
        return out
