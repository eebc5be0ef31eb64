"""The W3C SHACL test suite (core + SPARQL, approved tests) through semgraph's own path.

As a user would: the data graph is imported into Neo4j (``semgraph import``), the
shapes graph is the only file in the shapes folder (``load_shapes``, next to semgraph's
derived integrity shapes, which see no entity of theirs here), and ``semgraph validate``
checks the graph with each strategy. The report must equal the expected one: the same
``sh:conforms`` and the same results (focus node, path, value, source shape, constraint
component, severity); an ``sht:Failure`` test must be refused or reported as a failure,
never pass as conforming. ``conftest.py`` prints the counts per strategy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import neo4j
import pytest

from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.exceptions import SemgraphError
from semgraph.rdf.importer import import_file
from semgraph.validation.full import validate_graph
from tests.conformance.w3c_suite import SuiteTest, outcome_keys, suite_params

# Where semgraph differs from the suite, and why (strict: a fix makes the test fail).
KNOWN = {
    "sparql/pre-binding/shapesGraph-001": "pySHACL has no $shapesGraph (optional in SHACL); "
    "semgraph reports the failure instead of a verdict",
}
OUTCOMES: dict[str, dict[str, str]] = {"whole": {}, "batched": {}}


def _verdict(test: SuiteTest, container: Container, strategy: str) -> str:
    """ "pass", or what differs from the expected report."""
    try:
        report = validate_graph(
            container.driver,
            container.settings.neo4j_database,
            container.ontology,
            container.engine,
            container.reach,
            strategy="whole" if strategy == "whole" else "batched",
        )
    except SemgraphError as exc:
        return "pass" if test.failure else f"error: {exc.message}"
    outcome = report.outcome
    if test.failure:
        return "pass" if outcome.failures else "conforms where the suite expects a failure"
    if outcome.failures:
        return f"failure: {outcome.failures[0]}"
    actual = outcome_keys(outcome)
    if actual == test.results and outcome.shacl_conforms == test.conforms:
        return "pass"
    missing = test.results - actual
    extra = actual - test.results
    return f"missing {sorted(missing)}; unexpected {sorted(extra)}"


@pytest.mark.parametrize("test", **suite_params(KNOWN))
def test_w3c_suite_through_neo4j(
    test: SuiteTest, empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    shapes_dir = tmp_path / "shapes"
    shapes_dir.mkdir()
    shutil.copy(test.shapes, shapes_dir / "shapes.ttl")
    import_file(empty_db, test.data, settings.neo4j_database)
    container = Container(settings.model_copy(update={"shapes_dir": shapes_dir}))
    try:
        _ = container.shapes
    except SemgraphError as exc:  # the loader refused the shapes, saying why
        verdict = "pass" if test.failure else f"refused: {exc.message}"
        for strategy in OUTCOMES:
            OUTCOMES[strategy][test.name] = verdict
        assert verdict == "pass", verdict
        return
    verdicts = {strategy: _verdict(test, container, strategy) for strategy in OUTCOMES}
    for strategy, verdict in verdicts.items():
        OUTCOMES[strategy][test.name] = verdict
    for strategy, verdict in verdicts.items():
        assert verdict == "pass", f"{strategy}: {verdict}"
