"""Lifecycle of one managed Neo4j instance: configure, start, wait, status, stop, logs.

An instance is identified by its home folder (``SEMGRAPH_DATA_DIR``/neo4j) and its two
ports, so tests, benchmarks and a user's own server can run side by side.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from semgraph.config import Settings
from semgraph.exceptions import Neo4jServerError
from semgraph.neo4j_server.distribution import Distribution, ensure_distribution
from semgraph.neo4j_server.java import find_java
from semgraph.ports import free_port_near as _free_port_near
from semgraph.ports import port_owner as _port_owner
from semgraph.processes import running_pid, stop_pid
from semgraph.processes import tail as _tail

_ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
STYLE_FILE = "semgraph.grass"  # applied by the Browser on connect (browser.post_connect_cmd)
_ADMIN_TOOL = "org.neo4j.cli.AdminTool"
# The official launcher passes these so Neo4j can use off-heap memory efficiently on Java 17+.
_JVM_FLAGS = [
    "-XX:+ExitOnOutOfMemoryError",
    "-Dfile.encoding=UTF-8",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
]


def _gc_flags(gc: str) -> list[str]:
    """JVM flags for ``neo4j_gc``. A 1M-entity bulk load on 2 cores: G1 88-93 µs of server
    CPU per entity, Parallel 81 (its write barriers are cheaper); G1 keeps a service's
    pauses short."""
    return ["-XX:+UseParallelGC"] if gc == "parallel" else ["-XX:+UseG1GC"]


def _jit_flags(scaling: float) -> list[str]:
    """JVM flags for ``neo4j_jit_threshold_scaling``. On 2 cores a fresh server's JIT
    compiling took ~40 s of CPU against ~55 s of query work in a 1M-entity bulk load;
    compiling only code 4x hotter cut that by a third (ingest +14 %), but the change
    path then stayed slower for hundreds of changes (alerts bench -26 %), so the
    default stays the JVM's own."""
    return [] if scaling == 1 else [f"-XX:CompileThresholdScaling={scaling:g}"]


# C2 inlines callees of at most 1,000 bytes of compiled code (JDK 17: 2,500), at most 9
# deep (15), hot ones of at most 100 bytecodes (325). A fresh server's 1M-entity bulk load
# on 2 cores: its C2 compiler spent 12-16 s of CPU instead of 22-25 s, and the query
# threads no more (43-49 s either way).
_SHALLOW_INLINING = ["-XX:InlineSmallCode=1000", "-XX:MaxInlineLevel=9", "-XX:FreqInlineSize=100"]


def _inlining_flags(inlining: str) -> list[str]:
    """JVM flags for ``neo4j_jit_inlining``."""
    return _SHALLOW_INLINING if inlining == "shallow" else []


@dataclass(frozen=True)
class ServerStatus:
    """What ``semgraph neo4j status`` reports."""

    running: bool
    pid: int | None
    bolt_uri: str
    browser_url: str
    home: Path
    bolt_ready: bool
    http_ready: bool
    version: str | None


class ManagedServer:
    """One local Neo4j instance under ``settings.neo4j_home``."""

    def __init__(self, settings: Settings, browser_files: dict[str, str] | None = None) -> None:
        """``browser_files`` (name → text) are served by Neo4j at ``/browser/<name>``."""
        self.settings = settings
        self.home = settings.neo4j_home
        self.browser_files = browser_files or {}

    # --- files ---------------------------------------------------------------------------
    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def browser_extra(self) -> Path:
        """The Browser's jar plus ``browser_files``, put first on the classpath.

        Neo4j serves ``/browser`` from the first ``browser/`` on the classpath only, so a
        folder holding just our files would hide the Browser itself (403): the whole jar
        is copied and our files added to the copy.
        """
        return self.home / "browser-extra" / "neo4j-browser-semgraph.jar"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "neo4j.log"

    @property
    def console_file(self) -> Path:
        return self.home / "logs" / "console.log"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "semgraph-neo4j.pid"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    def password(self) -> str:
        """The generated password of this instance.

        Raises:
            Neo4jServerError: the instance was never started (no password yet).
        """
        if not self.password_file.exists():
            raise Neo4jServerError(
                f"no Neo4j instance has been initialised in {self.home}",
                hint="run `semgraph neo4j start` (or `make up`) first",
            )
        return self.password_file.read_text().strip()

    def write_conf(self, dist: Distribution) -> None:
        s = self.settings
        for sub in ("conf", "data", "logs", "run", "import"):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
        style_cmd = f"style http://localhost:{s.neo4j_http_port}/browser/{STYLE_FILE}"
        conf = {
            "server.default_listen_address": "127.0.0.1",
            "server.default_advertised_address": "127.0.0.1",
            "server.bolt.listen_address": f"127.0.0.1:{s.neo4j_bolt_port}",
            "server.bolt.advertised_address": f"127.0.0.1:{s.neo4j_bolt_port}",
            "server.http.listen_address": f"127.0.0.1:{s.neo4j_http_port}",
            "server.http.advertised_address": f"127.0.0.1:{s.neo4j_http_port}",
            "server.https.enabled": "false",
            "server.bolt.tls_level": "DISABLED",
            "server.memory.heap.initial_size": s.neo4j_heap,
            "server.memory.heap.max_size": s.neo4j_heap,
            "server.memory.pagecache.size": s.neo4j_pagecache,
            "dbms.memory.transaction.total.max": "0",
            "dbms.usage_report.enabled": "false",
            "dbms.security.auth_enabled": "true",
            "server.directories.data": str(self.home / "data"),
            "server.directories.logs": str(self.home / "logs"),
            "server.directories.run": str(self.home / "run"),
            "server.directories.import": str(self.home / "import"),
            "server.directories.plugins": str(dist.plugins),
            "dbms.security.procedures.unrestricted": "apoc.*",
            "db.logs.query.enabled": "INFO",
            "db.logs.query.threshold": "2s",
            "db.tx_log.rotation.retention_policy": "2 files",
            "browser.post_connect_cmd": style_cmd,
            "browser.remote_content_hostname_whitelist": "localhost,127.0.0.1",
        }
        self.browser_extra.unlink(missing_ok=True)
        if self.browser_files:
            self.browser_extra.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(next(dist.lib.glob("neo4j-browser-*.jar")), self.browser_extra)
            with zipfile.ZipFile(self.browser_extra, "a") as jar:
                for name, content in self.browser_files.items():
                    jar.writestr(f"browser/{name}", content)
        text = "# Written by semgraph on every start; edit SEMGRAPH_* settings instead.\n"
        text += "".join(f"{k}={v}\n" for k, v in conf.items())
        (self.conf_dir / "neo4j.conf").write_text(text)

    # --- process -------------------------------------------------------------------------
    def pid(self) -> int | None:
        """PID of the running server of this instance, or None."""
        return running_pid(self.pid_file, f"--home-dir={self.home}")

    def _bolt_ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.settings.neo4j_bolt_port), 1.0):
                return True
        except OSError:
            return False

    def _http_info(self) -> dict[str, str] | None:
        try:
            resp = httpx.get(f"http://127.0.0.1:{self.settings.neo4j_http_port}/", timeout=2.0)
            if resp.status_code == 200:
                data: dict[str, str] = resp.json()
                return data
        except (httpx.HTTPError, ValueError):
            pass
        return None

    def status(self) -> ServerStatus:
        info = self._http_info() if self.pid() else None
        return ServerStatus(
            running=self.pid() is not None,
            pid=self.pid(),
            bolt_uri=self.settings.bolt_uri,
            browser_url=self.settings.browser_url,
            home=self.home,
            bolt_ready=self.pid() is not None and self._bolt_ready(),
            http_ready=info is not None,
            version=info.get("neo4j_version") if info else None,
        )

    def _set_initial_password(self, java: str, dist: Distribution) -> None:
        if self.password_file.exists():
            return
        password = secrets.token_hex(16)  # hex: never starts with "-" (read as an option)
        env = {**os.environ, "NEO4J_HOME": str(self.home), "NEO4J_CONF": str(self.conf_dir)}
        proc = subprocess.run(
            [java, "-cp", dist.classpath(), _ADMIN_TOOL, "dbms", "set-initial-password", password],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if proc.returncode != 0:
            output = (proc.stderr or proc.stdout).splitlines()
            reasons = [ln for ln in output if "Exception" in ln or "rror" in ln][:3]
            raise Neo4jServerError(
                "could not initialise Neo4j (set its password):\n"
                + "\n".join(reasons or output[-10:]),
                hint=f"check the SEMGRAPH_NEO4J_* settings; conf in {self.conf_dir}",
            )
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)

    def start(self) -> ServerStatus:
        """Start the instance (or reuse it if it already runs) and wait until Bolt and HTTP answer.

        Raises:
            Neo4jServerError: no suitable Java, a port is taken, a download failed, or the
                server died while starting (the message carries the end of its log).
        """
        if self.pid() is not None:
            return self.wait_ready()
        s = self.settings
        java = find_java()
        for name, port in (("bolt", s.neo4j_bolt_port), ("http", s.neo4j_http_port)):
            owner = _port_owner(port)
            if owner is not None:
                env = f"SEMGRAPH_NEO4J_{name.upper()}_PORT"
                raise Neo4jServerError(
                    f"port {port} (Neo4j {name}) is already in use by {owner}",
                    hint=f"stop that process, or choose another port, e.g. {env}="
                    f"{_free_port_near(port)}",
                )
        dist = ensure_distribution(s)
        self.write_conf(dist)
        self._set_initial_password(java, dist)
        cmd = [
            java,
            f"-Xms{s.neo4j_heap}",
            f"-Xmx{s.neo4j_heap}",
            *_JVM_FLAGS,
            *_gc_flags(s.neo4j_gc),
            *_jit_flags(s.neo4j_jit_threshold_scaling),
            *_inlining_flags(s.neo4j_jit_inlining),
            "-cp",
            f"{self.browser_extra}:{dist.classpath()}" if self.browser_files else dist.classpath(),
            _ENTRY_POINT,
            f"--home-dir={self.home}",
            f"--config-dir={self.conf_dir}",
        ]
        with self.console_file.open("ab") as console:
            proc = subprocess.Popen(
                cmd,
                stdout=console,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.home,
                start_new_session=True,  # outlives the CLI that started it
            )
        self.pid_file.write_text(str(proc.pid))
        return self.wait_ready(proc)

    def wait_ready(self, proc: subprocess.Popen[bytes] | None = None) -> ServerStatus:
        deadline = time.monotonic() + self.settings.neo4j_start_timeout_s
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise Neo4jServerError(
                    f"Neo4j exited with code {proc.returncode} while starting; last log lines:\n"
                    + (_tail(self.log_file) or _tail(self.console_file)),
                    hint=f"full logs in {self.home / 'logs'}",
                )
            if self._bolt_ready() and self._http_info() is not None:
                return self.status()
            time.sleep(0.5)
        raise Neo4jServerError(
            f"Neo4j did not answer within {self.settings.neo4j_start_timeout_s:.0f} s; "
            "last log lines:\n" + _tail(self.log_file),
            hint="raise SEMGRAPH_NEO4J_START_TIMEOUT_S on a slow machine",
        )

    def stop(self, timeout_s: float = 60.0) -> bool:
        """Stop the instance; returns False if it was not running."""
        pid = self.pid()
        if pid is None:
            return False
        stop_pid(pid, self.pid_file, timeout_s)
        return True

    def logs(self, lines: int = 50) -> str:
        return _tail(self.log_file, lines) or _tail(self.console_file, lines)
