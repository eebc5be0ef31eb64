"""A W3C test's data graph as a change set the pipeline can apply, or why it cannot be.

The suite's data is a user's own RDF (``ex:`` resources, shapes and manifest triples in
the same file), not semgraph business entities, so it is written with the project's own
graph-to-change code, ``semgraph.rdf.records.resource_operations``: one ``WriteResource``
per subject (blank nodes named by their content, as ``semgraph import`` names them).
All of it is one change set: resources need no order among themselves (a link's target
is created where missing), and one set is what a user's import of the file would be.

A test is not expressible when a change cannot carry its data as the file has it:

- a literal rdflib itself rewrote while parsing (an ill-typed ``"none"^^xsd:boolean``
  becomes ``"false"``): a change carries lexical forms, and rdflib's in-memory
  "ill-typed" flag is not one.

An IRI in semgraph's own namespaces (a business entity, class or property) would be
written with the other operations instead; the suite has none, and
``resolve_resource`` refuses them with the reason.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal

from semgraph.changes.model import ChangeContext, ChangeSet, Operation
from semgraph.rdf.importer import parse_file
from semgraph.rdf.records import resource_operations

# Resources outside the ontology are the administrator's to write (access/rights.py).
CONTEXT = ChangeContext(actor="w3c-suite", role="admin", source_system="w3c")


class NotExpressibleError(Exception):
    """The data graph cannot be written as changes; ``reason`` says precisely why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def change_set(data: Path) -> ChangeSet:
    """The data graph of a test as one change set (raises ``NotExpressibleError``)."""
    graph = parse_file(data)
    # rdflib keeps most ill-typed literals as written ("aldi"^^xsd:integer), but rewrites
    # some into a well-formed lexical form it still flags as ill-typed
    rewritten = sorted(
        {
            o.n3()
            for o in graph.objects()
            if isinstance(o, Literal)
            and o.ill_typed
            and not Literal(str(o), datatype=o.datatype).ill_typed
        }
    )
    if rewritten:
        raise NotExpressibleError(
            f"ill-typed literal(s) {', '.join(rewritten)}: rdflib rewrote the file's "
            "lexical form while parsing, so no change can write the literal the file has"
        )
    # parse_file refuses a file without triples, so there is at least one operation
    operations: list[Operation] = list(resource_operations(graph))
    return ChangeSet(context=CONTEXT, operations=operations)
