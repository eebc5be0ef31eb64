"""semgraph's shared vocabulary, defined once: its namespaces, the focus-node variable of
shape read paths, and the risk levels. Everything else imports these from here."""

from __future__ import annotations

from rdflib import Namespace

SG_IRI = "https://semgraph.io/ontology#"
"""Business classes and properties (``sg:Contract``, ``sg:serviceCreditPercent``)."""
SGM_IRI = "https://semgraph.io/meta#"
"""semgraph's own terms: annotations of the ontology and the shapes, pending changes."""
SG = Namespace(SG_IRI)
SGM = Namespace(SGM_IRI)

THIS = "$this"
"""The focus node in a read path or trigger (``sgm:triggers "$this"``)."""

RISK_LEVELS = ("low", "medium", "high", "highest")
"""``sgm:riskLevel`` of a rule, lowest first."""
