"""The managed Neo4j server: lifecycle and the errors a user sees when something is wrong."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import neo4j
import pytest

from semgraph.config import Settings
from semgraph.exceptions import Neo4jServerError
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.java import find_java
from tests.conftest import free_port


def _cli(
    settings: Settings, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(Path.home()),
        "SEMGRAPH_DATA_DIR": str(settings.data_dir),
        "SEMGRAPH_NEO4J_BOLT_PORT": str(settings.neo4j_bolt_port),
        "SEMGRAPH_NEO4J_HTTP_PORT": str(settings.neo4j_http_port),
        "SEMGRAPH_NEO4J_HEAP": "512m",
        "SEMGRAPH_NEO4J_PAGECACHE": "128m",
        **(env_extra or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "semgraph.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_running_server_answers_bolt_and_http_with_apoc(driver: neo4j.Driver) -> None:
    version = driver.execute_query("RETURN apoc.version() AS v").records[0]["v"]
    assert version.startswith("5.26")


def test_browser_is_served(settings: Settings, neo4j_server: ManagedServer | None) -> None:
    if neo4j_server is None:
        pytest.skip("external server")
    import httpx

    resp = httpx.get(f"http://127.0.0.1:{settings.neo4j_http_port}/browser/", timeout=10)
    assert resp.status_code == 200
    assert "<html" in resp.text.lower()


def test_conf_is_loopback_with_explicit_memory(neo4j_server: ManagedServer | None) -> None:
    if neo4j_server is None:
        pytest.skip("external server")
    conf = (neo4j_server.conf_dir / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "server.memory.heap.max_size=1g" in conf
    assert "server.memory.pagecache.size=512m" in conf
    assert "dbms.usage_report.enabled=false" in conf
    assert "dbms.security.auth_enabled=true" in conf
    assert neo4j_server.password_file.stat().st_mode & 0o077 == 0


def test_cli_lifecycle_start_status_logs_stop_and_data_persists(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, neo4j_bolt_port=free_port(), neo4j_http_port=free_port(), _env_file=None
    )
    started = _cli(settings, "neo4j", "start")
    assert started.returncode == 0, started.stderr
    assert f"bolt://127.0.0.1:{settings.neo4j_bolt_port}" in started.stdout
    server = ManagedServer(settings)
    password = server.password()
    with neo4j.GraphDatabase.driver(settings.bolt_uri, auth=("neo4j", password)) as drv:
        drv.execute_query("CREATE (:Marker {name: 'kept'})")
    status = _cli(settings, "neo4j", "status")
    assert status.returncode == 0 and "running" in status.stdout
    assert "Started" in _cli(settings, "neo4j", "logs", "-n", "200").stdout
    assert _cli(settings, "neo4j", "stop").returncode == 0
    assert _cli(settings, "neo4j", "status").returncode == 3

    # Start again: same password, same data.
    assert _cli(settings, "neo4j", "start").returncode == 0
    with neo4j.GraphDatabase.driver(settings.bolt_uri, auth=("neo4j", password)) as drv:
        rows = drv.execute_query("MATCH (m:Marker) RETURN m.name AS name").records
    assert [r["name"] for r in rows] == ["kept"]
    assert _cli(settings, "neo4j", "stop").returncode == 0


def test_port_in_use_is_reported_with_a_free_alternative(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        settings = Settings(
            data_dir=tmp_path, neo4j_bolt_port=port, neo4j_http_port=free_port(), _env_file=None
        )
        result = _cli(settings, "neo4j", "start")
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "already in use" in result.stderr
    assert "SEMGRAPH_NEO4J_BOLT_PORT=" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_java_is_reported_with_how_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_java = tmp_path / "jdk" / "bin" / "java"
    fake_java.parent.mkdir(parents=True)
    fake_java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    fake_java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    monkeypatch.setenv("PATH", str(tmp_path / "jdk" / "bin"))
    with pytest.raises(Neo4jServerError) as err:
        find_java(jvm_dir=tmp_path / "no-jvms")
    assert "Java 11" in err.value.message
    assert "Java 17 or 21" in (err.value.hint or "")


def test_no_java_at_all_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(Neo4jServerError, match="no Java runtime was found"):
        find_java(jvm_dir=tmp_path / "no-jvms")


def test_server_dying_during_start_shows_its_log(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        neo4j_bolt_port=free_port(),
        neo4j_http_port=free_port(),
        neo4j_heap="512m",
        neo4j_pagecache="64m",
        _env_file=None,
    )
    # An unparsable memory setting makes the real server exit during start (the instance
    # counts as initialised, so the server itself is what meets the bad setting).
    bad = settings.model_copy(update={"neo4j_pagecache": "lots"})
    server = ManagedServer(bad)
    server.password_file.parent.mkdir(parents=True)
    server.password_file.write_text("not-used-by-this-test\n")
    with pytest.raises(Neo4jServerError) as err:
        server.start()
    assert "while starting" in err.value.message
    assert "pagecache" in err.value.message.lower()
    assert server.pid() is None


def test_bad_setting_before_first_start_is_reported_without_a_stack_trace(
    tmp_path: Path,
) -> None:
    settings = Settings(
        data_dir=tmp_path,
        neo4j_bolt_port=free_port(),
        neo4j_http_port=free_port(),
        neo4j_pagecache="lots",
        _env_file=None,
    )
    with pytest.raises(Neo4jServerError) as err:
        ManagedServer(settings).start()
    assert "pagecache" in err.value.message.lower()
    assert "\tat org.neo4j" not in err.value.message


def test_download_failure_names_what_could_not_be_fetched(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        cache_dir=tmp_path / "cache",
        neo4j_version="5.26.999",
        neo4j_bolt_port=free_port(),
        neo4j_http_port=free_port(),
        _env_file=None,
    )
    with pytest.raises(Neo4jServerError) as err:
        ManagedServer(settings).start()
    assert "5.26.999" in str(err.value)
    assert not any((tmp_path / "cache").glob("neo4j-5.26.999*/manifest.json"))


def test_java_finder_returns_a_supported_runtime() -> None:
    from semgraph.neo4j_server.java import java_major

    assert java_major(find_java()) in (17, 21)
