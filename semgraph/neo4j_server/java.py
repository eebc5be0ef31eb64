"""Find a Java runtime that Neo4j 5.26 accepts (17 or 21)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from semgraph.exceptions import Neo4jServerError

SUPPORTED_MAJORS = (17, 21)
_HINT = (
    "Neo4j 5.26 needs Java 17 or 21: install one (`apt-get install openjdk-17-jre-headless`) "
    "and put it on PATH or set JAVA_HOME, or set SEMGRAPH_NEO4J_URI to use an existing server"
)


def java_major(java: str) -> int | None:
    """Major version of the given ``java`` executable, or None if it does not run."""
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def find_java(jvm_dir: Path = Path("/usr/lib/jvm")) -> str:
    """Path of a suitable ``java``: JAVA_HOME first, then PATH, then the JDKs in ``jvm_dir``.

    Raises:
        Neo4jServerError: no Java 17 or 21 was found (the message says which one was).
    """
    candidates: list[str] = []
    if home := os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(home) / "bin" / "java"))
    if on_path := shutil.which("java"):
        candidates.append(on_path)
    if jvm_dir.is_dir():
        candidates += [str(p / "bin" / "java") for p in sorted(jvm_dir.iterdir())]
    seen: dict[str, int | None] = {}
    for candidate in candidates:
        if candidate in seen or not Path(candidate).exists():
            continue
        seen[candidate] = major = java_major(candidate)
        if major in SUPPORTED_MAJORS:
            return candidate
    if not seen:
        raise Neo4jServerError("no Java runtime was found", hint=_HINT)
    found = ", ".join(f"{path} (Java {major})" for path, major in seen.items())
    raise Neo4jServerError(f"no suitable Java runtime; found only {found}", hint=_HINT)
