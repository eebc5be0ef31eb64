"""Cypher owned by the ontology package: named, parameterised strings."""

ONTOLOGY_CONSTRAINTS_TERM = (
    "CREATE CONSTRAINT ontology_term_iri IF NOT EXISTS FOR (t:OntologyTerm) REQUIRE t.iri IS UNIQUE"
)
ONTOLOGY_CONSTRAINTS_ONTOLOGY = (
    "CREATE CONSTRAINT ontology_iri IF NOT EXISTS FOR (o:Ontology) REQUIRE o.iri IS UNIQUE"
)
ONTOLOGY_HASH = "MATCH (o:Ontology {iri: $iri}) RETURN o.contentHash AS hash"

MERGE_ONTOLOGY = """
MERGE (o:Ontology {iri: $iri})
SET o.contentHash = $hash, o.label = $label, o.version = $version, o.loadedAt = datetime()
"""

MERGE_CLASSES = """
MATCH (o:Ontology {iri: $ontology})
UNWIND $rows AS row
MERGE (c:OntologyTerm {iri: row.iri})
SET c:OntologyClass, c = row
MERGE (c)-[:DEFINED_IN]->(o)
"""

MERGE_PROPERTIES = """
MATCH (o:Ontology {iri: $ontology})
UNWIND $rows AS row
MERGE (p:OntologyTerm {iri: row.iri})
SET p:OntologyProperty, p = row
MERGE (p)-[:DEFINED_IN]->(o)
"""

DELETE_STALE_TERMS = """
MATCH (t:OntologyTerm)-[:DEFINED_IN]->(:Ontology {iri: $ontology})
WHERE NOT t.iri IN $keep AND (t:OntologyClass OR t:OntologyProperty)
DETACH DELETE t
"""

CLEAR_TERM_LINKS = """
MATCH (t:OntologyTerm)-[:DEFINED_IN]->(:Ontology {iri: $ontology})
MATCH (t)-[r:SUBCLASS_OF|SUBPROPERTY_OF|DOMAIN|RANGE|RESTRICTS]->()
DELETE r
"""

LINK_SUBCLASS = """
UNWIND $rows AS row
MATCH (c:OntologyTerm {iri: row.child}), (p:OntologyTerm {iri: row.parent})
MERGE (c)-[:SUBCLASS_OF]->(p)
"""

LINK_SUBPROPERTY = """
UNWIND $rows AS row
MATCH (c:OntologyTerm {iri: row.child}), (p:OntologyTerm {iri: row.parent})
MERGE (c)-[:SUBPROPERTY_OF]->(p)
"""

LINK_RESTRICTIONS = """
UNWIND $rows AS row
MATCH (c:OntologyTerm {iri: row.cls}), (p:OntologyTerm {iri: row.property})
CREATE (c)-[:RESTRICTS {kind: row.kind, value: row.value, onClass: row.onClass}]->(p)
"""

LINK_DOMAIN = """
UNWIND $rows AS row
MATCH (p:OntologyTerm {iri: row.property}), (c:OntologyTerm {iri: row.cls})
MERGE (p)-[:DOMAIN]->(c)
"""

LINK_RANGE_CLASS = """
UNWIND $rows AS row
MATCH (p:OntologyTerm {iri: row.property}), (c:OntologyTerm {iri: row.cls})
MERGE (p)-[:RANGE]->(c)
"""

SET_RANGE_DATATYPE = """
UNWIND $rows AS row
MATCH (p:OntologyTerm {iri: row.property})
SET p.datatype = row.datatype
"""

MERGE_SYSTEMS = """
MATCH (o:Ontology {iri: $ontology})
UNWIND $rows AS row
MERGE (s:OntologyTerm {iri: row.iri})
SET s:SourceSystem, s = row
MERGE (s)-[:DEFINED_IN]->(o)
"""

MERGE_MAPPINGS = """
MATCH (o:Ontology {iri: $ontology})
UNWIND $rows AS row
MERGE (m:OntologyTerm {iri: row.iri})
SET m:FieldMapping, m = row
MERGE (m)-[:DEFINED_IN]->(o)
WITH m, row
OPTIONAL MATCH (s:SourceSystem {iri: row.system})
OPTIONAL MATCH (c:OntologyClass {iri: row.targetClass})
OPTIONAL MATCH (p:OntologyProperty {iri: row.targetProperty})
CALL (m, s, c, p) {
  OPTIONAL MATCH (m)-[old:FROM_SYSTEM|MAPS_TO_CLASS|MAPS_TO_PROPERTY]->()
  DELETE old
}
FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END | MERGE (m)-[:FROM_SYSTEM]->(s))
FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | MERGE (m)-[:MAPS_TO_CLASS]->(c))
FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | MERGE (m)-[:MAPS_TO_PROPERTY]->(p))
"""

DELETE_STALE_MAPPINGS = """
MATCH (t:OntologyTerm)-[:DEFINED_IN]->(:Ontology {iri: $ontology})
WHERE (t:SourceSystem OR t:FieldMapping) AND NOT t.iri IN $keep
DETACH DELETE t
"""
