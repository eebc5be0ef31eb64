"""The business ontology (``ontology/*.ttl``) and its Python view.

Use ``Ontology.load()``; see ``semgraph.ontology.model`` for the API.
"""

from semgraph.ontology.model import (
    ID_BASE,
    SG,
    SGM,
    Cardinality,
    DatatypeProperty,
    FieldMapping,
    ObjectProperty,
    OntClass,
    Ontology,
    SourceSystem,
)

__all__ = [
    "ID_BASE",
    "SG",
    "SGM",
    "Cardinality",
    "DatatypeProperty",
    "FieldMapping",
    "ObjectProperty",
    "OntClass",
    "Ontology",
    "SourceSystem",
]
