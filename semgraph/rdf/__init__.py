"""The documented, lossless mapping between RDF and the Neo4j property graph.

See ``docs/rdf-mapping.md``. ``names`` maps IRIs to labels, types and keys; ``literals``
maps literals to property values; ``importer`` and ``exporter`` move whole graphs.
"""

from semgraph.rdf.exporter import ExportReport, export_graph, export_rdf, iter_triples
from semgraph.rdf.importer import ImportReport, ensure_schema, import_file, import_graph
from semgraph.rdf.names import PrefixRegistry

__all__ = [
    "ExportReport",
    "ImportReport",
    "PrefixRegistry",
    "ensure_schema",
    "export_graph",
    "export_rdf",
    "import_file",
    "import_graph",
    "iter_triples",
]
