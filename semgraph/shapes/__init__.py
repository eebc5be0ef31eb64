"""SHACL shapes: hand-written Turtle (``shapes/*.ttl``), business rules in YAML
(``shapes/rules/*.yaml``) and integrity shapes derived from the ontology.

Use ``load_shapes(shapes_dir, ontology)`` for the whole validated set, ``compile_rules``
for one YAML rule file.
"""

from semgraph.shapes.derived import derive_integrity_shapes, integrity_shape_iri
from semgraph.shapes.loader import ShapeInfo, ShapeSet, load_shapes
from semgraph.shapes.rules_errors import RuleFileError, RuleProblem
from semgraph.shapes.rules_yaml import CompiledRule, CompiledRules, compile_rules

__all__ = [
    "CompiledRule",
    "CompiledRules",
    "RuleFileError",
    "RuleProblem",
    "ShapeInfo",
    "ShapeSet",
    "compile_rules",
    "derive_integrity_shapes",
    "integrity_shape_iri",
    "load_shapes",
]
