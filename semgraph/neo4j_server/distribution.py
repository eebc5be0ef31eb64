"""Assemble a Neo4j Community distribution from Maven Central artifacts.

Maven resolves the server's dependency tree (with strict checksum checks) into a cache
folder outside the repository; a manifest with the SHA-256 of every jar is written last,
so an interrupted download is never mistaken for a complete one, and every reuse verifies
the files against it. The cache is shared by all instances on the machine.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from semgraph.config import Settings
from semgraph.exceptions import Neo4jServerError

DOWNLOAD_SIZE = "~150 MB"
"""What the first start fetches from Maven Central into ~/.m2 (the assembled server in
the cache folder is ~130 MB); every message that names the download uses this."""
FIRST_START = f"Starting Neo4j (the first start downloads {DOWNLOAD_SIZE} from Maven Central)…"

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

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Distribution:
    """A verified Neo4j distribution: server jars in ``lib``, APOC in ``plugins``."""

    root: Path
    version: str

    @property
    def lib(self) -> Path:
        return self.root / "lib"

    @property
    def plugins(self) -> Path:
        return self.root / "plugins"

    def classpath(self) -> str:
        return f"{self.lib}/*:{self.plugins}/*"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(root: Path) -> bool:
    manifest = root / MANIFEST
    if not manifest.exists():
        return False
    expected: dict[str, str] = json.loads(manifest.read_text())["files"]
    for rel, digest in expected.items():
        path = root / rel
        # Size-only would miss corruption; hashing 130 MB takes ~0.3 s, acceptable per start.
        if not path.exists() or _sha256(path) != digest:
            return False
    return True


def _run_maven(settings: Settings, workdir: Path, goal_args: list[str]) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise Neo4jServerError(
            "Maven (`mvn`) is needed once to download the Neo4j server jars, and it is not on PATH",
            hint="install it (`apt-get install maven`), or set SEMGRAPH_NEO4J_URI to use an "
            "existing Neo4j server",
        )
    cmd = [mvn, "-B", "-q", "--strict-checksums", "-f", str(workdir / "pom.xml"), *goal_args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "ERROR" in ln]
        detail = "\n".join(lines[-8:]) or (proc.stdout + proc.stderr)[-2000:]
        raise Neo4jServerError(
            f"could not download Neo4j {settings.neo4j_version} artifacts from "
            f"{settings.maven_repository}:\n{detail}",
            hint="check that Maven Central is reachable and that the versions exist "
            "(SEMGRAPH_NEO4J_VERSION, SEMGRAPH_APOC_VERSION, SEMGRAPH_NEO4J_BROWSER_VERSION)",
        )


def _artifact_id(jar: Path) -> str:
    match = re.match(r"(.+?)-\d", jar.name)
    return match.group(1) if match else jar.stem


def _copy_dependencies(
    settings: Settings, staging: Path, name: str, deps: list[tuple[str, str, str]]
) -> None:
    workdir = staging / f"{name}-pom"
    workdir.mkdir()
    body = "".join(_DEP.format(*dep) for dep in deps)
    (workdir / "pom.xml").write_text(
        _POM.format(name=name, repo=settings.maven_repository, deps=body)
    )
    _run_maven(
        settings,
        workdir,
        ["dependency:copy-dependencies", f"-DoutputDirectory={staging / name}"],
    )


def _assemble(settings: Settings, target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        _copy_dependencies(
            settings,
            staging,
            "lib",
            [
                ("org.neo4j", "neo4j", settings.neo4j_version),
                ("org.neo4j.client", "neo4j-browser", settings.neo4j_browser_version),
            ],
        )
        # APOC's Maven jar is thin: its helper classes (apoc-common) and libraries come as
        # dependencies. Whatever the server already ships stays out of plugins/.
        _copy_dependencies(
            settings,
            staging,
            "plugins",
            [
                ("org.neo4j.procedure", "apoc-core", settings.apoc_version),
                ("org.neo4j.procedure", "apoc-common", settings.apoc_version),
            ],
        )
        server_artifacts = {_artifact_id(jar) for jar in (staging / "lib").glob("*.jar")}
        for jar in (staging / "plugins").glob("*.jar"):
            if _artifact_id(jar) in server_artifacts:
                jar.unlink()
        files = {
            str(p.relative_to(staging)): _sha256(p)
            for folder in ("lib", "plugins")
            for p in sorted((staging / folder).glob("*.jar"))
        }
        if not any(k.startswith("plugins/apoc-core") for k in files):
            raise Neo4jServerError(f"APOC core {settings.apoc_version} was not downloaded")
        for folder in ("lib-pom", "plugins-pom"):
            shutil.rmtree(staging / folder)
        (staging / MANIFEST).write_text(
            json.dumps({"neo4j": settings.neo4j_version, "files": files}, indent=1)
        )
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def ensure_distribution(settings: Settings) -> Distribution:
    """Return the cached distribution for the configured versions, assembling it if needed.

    Raises:
        Neo4jServerError: Maven is missing or an artifact could not be downloaded.
    """
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    name = f"neo4j-{settings.neo4j_version}-apoc-{settings.apoc_version}"
    target = settings.cache_dir / name
    with (settings.cache_dir / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent first starts assemble once
        if not _verify(target):
            _assemble(settings, target)
    return Distribution(root=target, version=settings.neo4j_version)
