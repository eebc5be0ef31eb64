"""The W3C SHACL test suite through the per-change path: the data written as a change.

As a user would: the shapes graph is the only file in the shapes folder (as the suite
gives it, no semgraph annotations), and the data graph is written into an empty database
as a change set through ``ChangeService.apply`` (``change_form.py``). The pipeline's
verdict must be the suite's:

- refused (nothing written) exactly when the expected report has a result that blocks
  (any severity but ``sh:Warning`` and ``sh:Info``), committed otherwise;
- the change's results (focus node, path, value, source shape, component, severity)
  equal the expected report's;
- ``semgraph validate`` on the same data gives the same results: on the committed graph,
  or, for a refused change, after the same change set is written by a pipeline without
  the suite's shapes (a resource change stores what an import would,
  ``tests/integration/test_resource_changes.py``);
- an ``sht:Failure`` test is refused with the reason, when the shapes load or when the
  change is validated, never committed.

``conftest.py`` prints how many tests agree.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from rdflib.namespace import SH

from semgraph.bootstrap import Container
from semgraph.config import Settings
from semgraph.exceptions import ChangeRefusedError, SemgraphError
from semgraph.validation.full import validate_graph
from semgraph.validation.results import ValidationOutcome, ValidationResult
from tests.conformance.change_form import change_set
from tests.conformance.w3c_suite import ResultKey, SuiteTest, outcome_keys, suite_params

# Where the per-change verdict differs from the suite's, and why (strict: a fix fails it).
KNOWN = {
    "sparql/pre-binding/shapesGraph-001": "pySHACL has no $shapesGraph (optional in SHACL); "
    "semgraph refuses the change with the failure instead of a verdict",
}
NON_BLOCKING = {str(SH.Warning), str(SH.Info)}
PER_CHANGE: dict[str, str] = {}
"""Test name → "agree" or what differs (for conftest's summary)."""


def _keys(results: list[ValidationResult]) -> Counter[ResultKey]:
    return outcome_keys(ValidationOutcome(results=results))


def _verdict(test: SuiteTest, container: Container, unjudged: Container) -> str:
    """ "agree", or what differs from the suite."""
    changes = change_set(test.data)
    try:
        result = container.changes.apply(changes)
        committed, results = True, result.results
    except ChangeRefusedError as refused:
        assert refused.result is not None
        committed, results = False, refused.result.results
    except SemgraphError as exc:
        return "agree" if test.failure else f"change failed: {exc.message}"
    if test.failure:
        return f"{'committed' if committed else 'refused'} where the suite expects a failure"
    blocks = any(severity not in NON_BLOCKING for *_, severity in test.results)
    if committed == blocks:
        return f"{'committed' if committed else 'refused'}, the suite's report " + (
            "blocks" if blocks else "does not block"
        )
    if not committed:
        left = container.changes.existing([str(op.iri) for op in changes.operations])
        if left:
            return f"refused, but {len(left)} resources were written"
        # the same data, written by a change no user shape judges, for validate to check
        unjudged.changes.apply(changes)
    actual = _keys(results)
    if actual != test.results:
        missing, extra = test.results - actual, actual - test.results
        return f"per change: missing {sorted(missing)}; unexpected {sorted(extra)}"
    report = validate_graph(
        container.driver,
        container.settings.neo4j_database,
        container.ontology,
        container.engine,
        container.reach,
    )
    validated = outcome_keys(report.outcome)
    if report.outcome.failures or validated != actual:
        return (
            f"validate differs: {report.outcome.failures}, missing "
            f"{sorted(actual - validated)}, unexpected {sorted(validated - actual)}"
        )
    return "agree"


@pytest.fixture(scope="module")
def unjudged(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    """A writer without the suite's shapes (semgraph's own shapes see no entity here)."""
    no_shapes = tmp_path_factory.mktemp("no-shapes")
    container = Container(settings.model_copy(update={"shapes_dir": no_shapes}))
    yield container
    container.close()


@pytest.mark.parametrize("test", **suite_params(KNOWN))
def test_w3c_suite_per_change(
    test: SuiteTest,
    cleared_db: neo4j.Driver,
    settings: Settings,
    unjudged: Container,
    tmp_path: Path,
) -> None:
    shapes_dir = tmp_path / "shapes"
    shapes_dir.mkdir()
    shutil.copy(test.shapes, shapes_dir / "shapes.ttl")
    container = Container(settings.model_copy(update={"shapes_dir": shapes_dir}))
    try:
        try:
            _ = container.shapes
        except SemgraphError as exc:  # refused before any change can run, saying why
            verdict = "agree" if test.failure else f"shapes refused: {exc.message}"
        else:
            verdict = _verdict(test, container, unjudged)
    finally:
        container.close()
    PER_CHANGE[test.name] = verdict
    assert verdict == "agree", verdict
