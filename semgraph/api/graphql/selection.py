"""The selection set of a request as plain data: fields by response key, typed arguments.

Strawberry's ``info.selected_fields`` hands literal numbers over as strings and
variables as strawberry input objects; the compiler wants plain JSON-like values, so
this module converts the AST itself (fragments flattened, ``@skip``/``@include``
applied, repeated fields merged).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionNode,
    ValueNode,
    VariableNode,
    value_from_ast_untyped,
)
from strawberry.types.base import has_object_definition
from strawberry.types.unset import UnsetType

from semgraph.reads.selection import Field

__all__ = ["Field", "fields_of", "plain"]


def plain(value: Any) -> Any:
    """A coerced variable value as plain data (strawberry inputs → dicts by GraphQL name)."""
    if value is None or isinstance(value, UnsetType):
        return None
    if isinstance(value, Enum):
        return value.value
    if has_object_definition(value):
        out: dict[str, Any] = {}
        for f in value.__strawberry_definition__.fields:
            item = plain(getattr(value, f.python_name, None))
            if item is not None:
                out[f.graphql_name or f.python_name] = item
        return out
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if plain(v) is not None}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _value(node: ValueNode, variables: dict[str, Any]) -> Any:
    if isinstance(node, VariableNode):
        return plain(variables.get(node.name.value))
    return value_from_ast_untyped(node, variables)


def _included(
    node: FieldNode | FragmentSpreadNode | InlineFragmentNode, variables: dict[str, Any]
) -> bool:
    for directive in node.directives or ():
        args = {a.name.value: _value(a.value, variables) for a in directive.arguments or ()}
        if directive.name.value == "skip" and args.get("if"):
            return False
        if directive.name.value == "include" and not args.get("if"):
            return False
    return True


def fields_of(info: GraphQLResolveInfo[Any], nodes: Iterable[SelectionNode]) -> list[Field]:
    """The fields selected by ``nodes`` (merged by response key, in first-seen order)."""
    raw: Any = info.variable_values
    variables: dict[str, Any] = dict(getattr(raw, "coerced", raw) or {})
    return selected_fields(nodes, variables, info.fragments)


def selected_fields(
    nodes: Iterable[SelectionNode],
    variables: dict[str, Any],
    fragments: Mapping[str, FragmentDefinitionNode],
) -> list[Field]:
    """``fields_of`` from coerced ``variables`` and the document's ``fragments``."""
    merged: dict[str, Field] = {}

    def visit(selection_nodes: Iterable[SelectionNode]) -> None:
        for node in selection_nodes:
            if isinstance(node, FieldNode):
                if not _included(node, variables):
                    continue
                key = node.alias.value if node.alias else node.name.value
                args = {a.name.value: _value(a.value, variables) for a in node.arguments or ()}
                subs = (
                    selected_fields(node.selection_set.selections, variables, fragments)
                    if node.selection_set
                    else []
                )
                seen = merged.get(key)
                if seen is None:
                    merged[key] = Field(node.name.value, key, args, subs)
                else:
                    seen.selections = _merge([*seen.selections, *subs])
            elif isinstance(node, FragmentSpreadNode):
                if _included(node, variables):
                    visit(fragments[node.name.value].selection_set.selections)
            elif isinstance(node, InlineFragmentNode) and _included(node, variables):
                visit(node.selection_set.selections)

    visit(nodes)
    return list(merged.values())


def _merge(fields: list[Field]) -> list[Field]:
    out: dict[str, Field] = {}
    for f in fields:
        seen = out.get(f.key)
        if seen is None:
            out[f.key] = Field(f.name, f.key, f.arguments, list(f.selections))
        else:
            seen.selections = _merge([*seen.selections, *f.selections])
    return list(out.values())
