"""Jars from Maven Central into a verified cache folder (the managed Neo4j and Kafka).

Maven resolves an artifact's runtime dependency tree (with strict checksum checks) into a
staging folder; a manifest with the SHA-256 of every jar is written last, so an
interrupted download is never mistaken for a complete one, and every reuse verifies the
files against it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from semgraph.exceptions import SemgraphError

MANIFEST = "manifest.json"
Coordinates = tuple[str, str, str]
"""(groupId, artifactId, version)."""

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.semgraph</groupId><artifactId>{name}</artifactId>
  <version>1</version><packaging>pom</packaging>
  <repositories><repository><id>central</id><url>{repo}</url></repository></repositories>
  <dependencies>{deps}
  </dependencies>
</project>
"""
_DEP = """
    <dependency><groupId>{0}</groupId><artifactId>{1}</artifactId><version>{2}</version></dependency>"""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_manifest(root: Path) -> bool:
    """True when ``root`` holds every file of its manifest with the recorded digest."""
    manifest = root / MANIFEST
    if not manifest.exists():
        return False
    expected: dict[str, str] = json.loads(manifest.read_text())["files"]
    for rel, digest in expected.items():
        path = root / rel
        # Size-only would miss corruption; hashing 130 MB takes ~0.3 s, acceptable per start.
        if not path.exists() or sha256_file(path) != digest:
            return False
    return True


def write_manifest(root: Path, folders: tuple[str, ...], **about: str) -> dict[str, str]:
    """Record the digest of every jar in ``folders`` of ``root``; returns the files."""
    files = {
        str(p.relative_to(root)): sha256_file(p)
        for folder in folders
        for p in sorted((root / folder).glob("*.jar"))
    }
    (root / MANIFEST).write_text(json.dumps({**about, "files": files}, indent=1))
    return files


def copy_dependencies(
    repository: str,
    staging: Path,
    name: str,
    deps: list[Coordinates],
    error: type[SemgraphError],
    *,
    what: str,
    no_maven_hint: str,
    failed_hint: str,
) -> None:
    """Copy ``deps`` and their dependencies into ``staging/name``.

    Raises:
        SemgraphError: an ``error`` naming ``what`` when Maven is missing or a download failed.
    """
    mvn = shutil.which("mvn")
    if mvn is None:
        raise error(
            f"Maven (`mvn`) is needed once to download the {what} jars, and it is not on PATH",
            hint=no_maven_hint,
        )
    workdir = staging / f"{name}-pom"
    workdir.mkdir()
    body = "".join(_DEP.format(*dep) for dep in deps)
    (workdir / "pom.xml").write_text(_POM.format(name=name, repo=repository, deps=body))
    cmd = [
        mvn,
        "-B",
        "-q",
        "--strict-checksums",
        "-f",
        str(workdir / "pom.xml"),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={staging / name}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    shutil.rmtree(workdir, ignore_errors=True)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "ERROR" in ln]
        detail = "\n".join(lines[-8:]) or (proc.stdout + proc.stderr)[-2000:]
        raise error(
            f"could not download {what} artifacts from {repository}:\n{detail}", hint=failed_hint
        )
