"""`semgraph validate --format turtle|json-ld` writes the W3C report the suite expects.

For a few suite tests — a complex path, a nested `sh:node` (pySHACL's `sh:detail`), a
language-tagged value, a language-tagged message — the data is imported into Neo4j, the
shapes are the shapes folder, and `semgraph validate` writes the `sh:ValidationReport`.
Reduced with the harness's own result keys it equals the manifest's expected report;
where the expected report holds every term SHACL fixes, the report without semgraph's
`sgm:` annotations (and pySHACL's free-text messages, when the suite gives none) is
isomorphic to it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import neo4j
import pytest
from rdflib import RDF, SH, BNode, Graph, Literal
from rdflib.compare import isomorphic
from rdflib.term import Node
from typer.testing import CliRunner

from semgraph.cli.main import app
from semgraph.config import Settings
from semgraph.rdf.importer import import_file
from semgraph.vocabulary import SGM
from tests.conformance.w3c_suite import MF, SUITE, SuiteTest, approved_tests, expected_key
from tests.integration.alert_harness import cli_env

BY_NAME = {t.name: t for t in approved_tests()}
ISOMORPHIC = ["core/path/path-complex-002", "core/property/languageIn-001", "core/misc/message-001"]


def _closure(graph: Graph, root: Node) -> Graph:
    """``root``'s triples and those of the blank nodes it reaches (a report, its results,
    their paths)."""
    out, todo, seen = Graph(), [root], set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            out.add((node, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return out


def _expected_report(test: SuiteTest) -> Graph:
    manifest = Graph().parse(SUITE / f"{test.name}.ttl", format="turtle")
    entry = next(s for s in manifest.subjects(MF.result, None))
    return _closure(manifest, manifest.value(entry, MF.result))


def _shacl_part(report: Graph, keep_messages: bool) -> Graph:
    """The report without semgraph's annotations (and without messages, unless kept)."""
    out = Graph()
    for s, p, o in report:
        if str(p).startswith(str(SGM)) or (p == SH.resultMessage and not keep_messages):
            continue
        out.add((s, p, o))
    return out


def _validate(
    test: SuiteTest, settings: Settings, tmp_path: Path, format: str
) -> tuple[Graph, Node]:
    """Import the test's data, run ``semgraph validate --format`` and parse the report."""
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "shapes.ttl").write_bytes(test.shapes.read_bytes())
    report_file = tmp_path / "report.out"
    env = cli_env(settings) | {"SEMGRAPH_SHAPES_DIR": str(shapes)}
    done = CliRunner().invoke(
        app,
        ["validate", "--strategy", "whole", "--format", format, "--report", str(report_file)],
        env=env,
    )
    assert done.exit_code == (0 if test.conforms else 1), done.output
    graph = Graph().parse(report_file, format=format)
    reports = list(graph.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    return graph, reports[0]


@pytest.mark.parametrize(
    "name",
    [*ISOMORPHIC, "core/node/node-001", "core/path/path-inverse-001"],
)
@pytest.mark.parametrize("format", ["turtle", "json-ld"])
def test_the_w3c_report_equals_the_suites_expected_report(
    name: str, format: str, empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    test = BY_NAME[name]
    import_file(empty_db, test.data, settings.neo4j_database)
    graph, report = _validate(test, settings, tmp_path, format)

    assert graph.value(report, SH.conforms) == Literal(test.conforms)
    assert graph.value(report, SGM.blocks) == Literal(not test.conforms)
    results = list(graph.objects(report, SH.result))
    assert Counter(expected_key(graph, r) for r in results) == test.results
    for result in results:
        assert graph.value(result, SGM.blocks) is not None  # semgraph's decision, on top
    if name in ISOMORPHIC:
        expected = _expected_report(test)
        keep_messages = (None, SH.resultMessage, None) in expected
        assert isomorphic(_shacl_part(_closure(graph, report), keep_messages), expected)


def test_nested_results_are_details_of_their_parent_not_results(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    test = BY_NAME["core/node/node-001"]
    import_file(empty_db, test.data, settings.neo4j_database)
    graph, report = _validate(test, settings, tmp_path, "turtle")

    (parent,) = graph.objects(report, SH.result)
    assert graph.value(parent, SH.sourceConstraintComponent) == SH.NodeConstraintComponent
    (detail,) = graph.objects(parent, SH.detail)
    assert (report, SH.result, detail) not in graph
    assert graph.value(detail, SH.sourceConstraintComponent) == SH.ClassConstraintComponent
    assert graph.value(detail, SH.focusNode) == graph.value(parent, SH.focusNode)


def test_the_json_report_stays_semgraphs_own(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path
) -> None:
    test = BY_NAME["core/property/languageIn-001"]
    import_file(empty_db, test.data, settings.neo4j_database)
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "shapes.ttl").write_bytes(test.shapes.read_bytes())
    env = cli_env(settings) | {
        "SEMGRAPH_SHAPES_DIR": str(shapes),
        "SEMGRAPH_DATA_DIR": str(settings.data_dir),
    }
    done = CliRunner().invoke(app, ["validate", "--format", "turtle"], env=env)
    assert done.exit_code == 1, done.output
    assert (settings.data_dir / "validation-report.ttl").is_file()  # the format's suffix

    done = CliRunner().invoke(app, ["validate"], env=env)
    written = json.loads((settings.data_dir / "validation-report.json").read_text())
    assert set(written) == {
        "focus_nodes",
        "seconds",
        "conforms",
        "shacl_conforms",
        "failures",
        "counts",
        "results",
    }
    assert "terms" not in written["results"][0]
    assert {r["value_term"] for r in written["results"]} == {
        '"Berg"',
        '"Berg"@de',
        "<http://datashapes.org/sh/tests/core/property/languageIn-001.test#BergLabel>",
    }
