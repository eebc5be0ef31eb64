"""What a new user meets on a first run, through the real command line: asking before
an index exists, appending a demo next to another, where `validate` writes its report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import neo4j
import pytest
from typer.testing import CliRunner

from semgraph.cli.main import app
from semgraph.config import REPO_ROOT, Settings
from semgraph.demo.loader import count_business_entities
from semgraph.ontology.model import Ontology
from tests.integration.alert_harness import cli_env


def test_ask_before_the_index_is_built_says_so_and_creates_nothing(tmp_path: Path) -> None:
    index = tmp_path / "index"
    env = {**os.environ, "SEMGRAPH_RAG_INDEX_DIR": str(index), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "semgraph.cli.main", "ask", "Who approves credits?", "--no-graph"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"no index at {index}" in done.stderr and "semgraph index build" in done.stderr
    assert not index.exists(), "asking must not create an empty index"


def test_demo_append_loads_a_second_demo_beside_the_first(
    empty_db: neo4j.Driver, settings: Settings
) -> None:
    env = cli_env(settings)
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--entities", "1000", "--no-progress"], env=env)
    assert first.exit_code == 0, first.output
    ontology = Ontology.load()
    before = count_business_entities(empty_db, ontology, settings.neo4j_database)

    refused = runner.invoke(app, ["demo", "--entities", "1000", "--no-progress"], env=env)
    assert refused.exit_code != 0 and "--append" in str(refused.exception)

    appended = runner.invoke(
        app, ["demo", "--entities", "1000", "--seed", "7", "--append", "--no-progress"], env=env
    )
    assert appended.exit_code == 0, appended.output
    after = count_business_entities(empty_db, ontology, settings.neo4j_database)
    assert after >= before + 1000
    tagged = empty_db.execute_query(
        "MATCH (c:Customer) WHERE c.id STARTS WITH 'CUS-S7-' RETURN count(c) AS n"
    ).records[0]["n"]
    assert tagged > 0

    again = runner.invoke(
        app, ["demo", "--entities", "1000", "--seed", "7", "--append", "--no-progress"], env=env
    )
    assert again.exit_code != 0
    assert "seed 7 was already appended" in str(again.exception)


def test_validate_writes_its_report_into_the_data_folder(
    empty_db: neo4j.Driver, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not settings.managed:
        pytest.skip("needs the managed instance's data folder")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["validate"], env=cli_env(settings))
    assert result.exit_code in (0, 1), result.output
    assert not (tmp_path / "validation-report.json").exists(), "nothing in the working folder"
    report = settings.data_dir / "validation-report.json"
    assert report.is_file() and str(report) in result.output.replace("\n", "")
