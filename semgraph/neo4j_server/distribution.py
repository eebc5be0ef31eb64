"""Assemble a Neo4j Community distribution from Maven Central artifacts.

``semgraph.maven_jars`` resolves the server's dependency tree into a verified cache
folder outside the repository, shared by all instances on the machine.
"""

from __future__ import annotations

import fcntl
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from semgraph.config import Settings
from semgraph.exceptions import Neo4jServerError
from semgraph.maven_jars import Coordinates, copy_dependencies, verify_manifest, write_manifest

DOWNLOAD_SIZE = "~150 MB"
"""What the first start fetches from Maven Central into ~/.m2 (the assembled server in
the cache folder is ~130 MB); every message that names the download uses this."""
FIRST_START = f"Starting Neo4j (the first start downloads {DOWNLOAD_SIZE} from Maven Central)…"


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


def _artifact_id(jar: Path) -> str:
    match = re.match(r"(.+?)-\d", jar.name)
    return match.group(1) if match else jar.stem


def _copy_dependencies(
    settings: Settings, staging: Path, name: str, deps: list[Coordinates]
) -> None:
    copy_dependencies(
        settings.maven_repository,
        staging,
        name,
        deps,
        Neo4jServerError,
        what=f"Neo4j {settings.neo4j_version}",
        no_maven_hint="install it (`apt-get install maven`), or set SEMGRAPH_NEO4J_URI to use "
        "an existing Neo4j server",
        failed_hint="check that Maven Central is reachable and that the versions exist "
        "(SEMGRAPH_NEO4J_VERSION, SEMGRAPH_APOC_VERSION, SEMGRAPH_NEO4J_BROWSER_VERSION)",
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
        files = write_manifest(staging, ("lib", "plugins"), neo4j=settings.neo4j_version)
        if not any(k.startswith("plugins/apoc-core") for k in files):
            raise Neo4jServerError(f"APOC core {settings.apoc_version} was not downloaded")
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
        if not verify_manifest(target):
            _assemble(settings, target)
    return Distribution(root=target, version=settings.neo4j_version)
