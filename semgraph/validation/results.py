"""Validation results in the W3C report's terms, plus semgraph's business annotations."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["Violation", "Warning", "Info"]
SEVERITY_ORDER: dict[str, int] = {"Info": 0, "Warning": 1, "Violation": 2}


class ResultTerms(BaseModel):
    """A result's RDF terms as pySHACL reported them, for the W3C report (``report_graph``).

    Terms are in N-Triples syntax (``<iri>``, ``"5"^^<…#integer>``, ``"Berg"@de``); blank
    nodes keep their labels (``_:b0``), so one node named twice in a report stays one.
    """

    model_config = ConfigDict(frozen=True)

    focus: str
    path: str | None = None
    """``sh:resultPath`` as a Turtle path expression with full IRIs: ``<p>``,
    ``[ <…#inversePath> <p> ]``, ``( <a> <b> )``."""
    value: str | None = None
    source_shape: str | None = None
    messages: tuple[str, ...] = ()
    """``sh:resultMessage`` literals, with the language tag of the shape's ``sh:message``
    where pySHACL dropped it while filling in placeholders."""


class ValidationResult(BaseModel):
    """One ``sh:ValidationResult``: focus node, path, value, shape and message (en, zh)."""

    model_config = ConfigDict(frozen=True)

    focus_node: str
    focus_class: str | None = None
    path: str | None = None
    value: str | None = None
    shape: str
    source_shape: str | None = None
    severity: Severity
    message_en: str
    message_zh: str = ""
    risk_level: str | None = None
    business_area: str | None = None
    notify_role: str | None = None
    """Every role the rule notifies, comma-separated (``"csm, finance_lead"``)."""
    accounting_ref: str | None = None
    recommended_review: str | None = None
    recommended_review_zh: str | None = None
    rule_label_en: str | None = None
    rule_label_zh: str | None = None
    pre_existing: bool = False
    """True for a Violation the graph already had before the change: reported, not blocking."""
    source_constraint_component: str | None = None
    """The ``sh:sourceConstraintComponent`` IRI (``sh:MinCountConstraintComponent``)."""
    value_term: str | None = None
    """``sh:value`` in N-Triples syntax with datatype or language (``_:`` if blank)."""
    focus_is_blank: bool = False
    severity_iri: str | None = None
    """``sh:resultSeverity`` as given (a shape may declare a severity of its own)."""
    details: list[ValidationResult] = []
    """Results pySHACL gave as ``sh:detail`` of this one (``sh:node`` and similar)."""
    terms: ResultTerms | None = Field(default=None, exclude=True)
    """The RDF terms of the W3C report; left out of JSON dumps (the JSON report, audit)."""

    @property
    def key(self) -> tuple[str, str, str | None, str | None]:
        """Identity used to compare verdicts (incremental vs full)."""
        return (self.focus_node, self.shape, self.path, self.value)


class ValidationOutcome(BaseModel):
    """All results of one validation, split by what they mean for a change."""

    results: list[ValidationResult]
    failures: list[str] = []
    """Shapes pySHACL could not evaluate (a SPARQL query it cannot run, say): each one
    makes the graph non-conforming, as an unverified rule cannot be taken as kept."""

    @property
    def violations(self) -> list[ValidationResult]:
        """Blocking results: Violations the change introduces (not pre-existing ones)."""
        return [r for r in self.results if r.severity == "Violation" and not r.pre_existing]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    @property
    def infos(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Info"]

    @property
    def conforms(self) -> bool:
        """True when nothing blocks (warnings and infos do not)."""
        return not self.violations and not self.failures

    @property
    def shacl_conforms(self) -> bool:
        """``sh:conforms`` as SHACL defines it: no result of any severity."""
        return not self.results and not self.failures
