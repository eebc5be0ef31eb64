"""A W3C test's data graph as a change set the pipeline can apply.

The suite's data is a user's own RDF (``ex:`` resources, shapes and manifest triples in
the same file), not semgraph business entities, so it is written with the project's own
graph-to-change code, ``semgraph.rdf.records.resource_operations``: one ``WriteResource``
per subject (blank nodes named by their content, as ``semgraph import`` names them).
All of it is one change set: resources need no order among themselves (a link's target
is created where missing), and one set is what a user's import of the file would be.

A literal keeps the file's lexical form where rdflib would rewrite an ill-typed one
(``"none"^^xsd:boolean``), both in ``parse_file`` and in the change
(``semgraph.rdf.literals.make_literal``), so every test of the suite is expressible.

An IRI in semgraph's own namespaces (a business entity, class or property) would be
written with the other operations instead; the suite has none, and
``resolve_resource`` refuses them with the reason.
"""

from __future__ import annotations

from pathlib import Path

from semgraph.changes.model import ChangeContext, ChangeSet, Operation
from semgraph.rdf.importer import parse_file
from semgraph.rdf.records import resource_operations

# Resources outside the ontology are the administrator's to write (access/rights.py).
CONTEXT = ChangeContext(actor="w3c-suite", role="admin", source_system="w3c")


def change_set(data: Path) -> ChangeSet:
    """The data graph of a test as one change set."""
    graph = parse_file(data)
    # parse_file refuses a file without triples, so there is at least one operation
    operations: list[Operation] = list(resource_operations(graph))
    return ChangeSet(context=CONTEXT, operations=operations)
