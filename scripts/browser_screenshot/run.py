"""Screenshot of the Neo4j Browser showing demo data with semgraph's style.

Starts its own managed Neo4j (temp folder, free ports) serving the style derived from the
ontology, loads the ontology and a small demo dataset, then lets headless Chromium
(``shot.mjs``, Playwright driving Debian's ``chromium``) log in, wait for the post-connect
``:style`` command and draw ``MATCH (c:Customer)-[r]-(x) RETURN * LIMIT 50``.

    python scripts/browser_screenshot/run.py [--out docs/browser.png]

Needs Node 20+ and a Chromium (``/usr/bin/chromium`` or ``SEMGRAPH_CHROMIUM``); runs
``npm ci`` here on first use. Exits non-zero with the reason when something fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import neo4j

from semgraph.browser_style import grass
from semgraph.config import REPO_ROOT, Settings
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.scratch import free_port
from semgraph.neo4j_server.server import STYLE_FILE
from semgraph.ontology.graph_loader import default_files, load_ontology
from semgraph.ontology.model import Ontology

HERE = Path(__file__).resolve().parent
QUERY = "MATCH (c:Customer)-[r]-(x) RETURN * LIMIT 50"
DEFAULT_CHROMIUM = "/usr/bin/chromium"

# A handful of customers with their contracts, SLAs and contacts, for when the demo
# generator is unavailable (the picture only needs a few neighbourhoods).
_FALLBACK = """
UNWIND range(1, 4) AS i
WITH i, ['Acme Logistics', 'Borealis Energy', 'Cobalt Retail', 'Delta Health'][i - 1] AS name
CREATE (c:Resource:Customer {id: 'CUST-' + i, name: name, iri: $base + 'Customer/CUST-' + i,
        industry: 'demo', country: 'DE'})
WITH c, i
UNWIND range(1, 2) AS j
CREATE (k:Resource:Contract {id: 'CTR-' + i + '-' + j, contractNumber: 'C-2024-' + (100 * i + j),
        iri: $base + 'Contract/CTR-' + i + '-' + j})-[:customer]->(c)
CREATE (s:Resource:ServiceLevelAgreement {id: 'SLA-' + i + '-' + j,
        tier: ['Gold', 'Silver', 'Bronze'][(i + j) % 3], iri: $base + 'SLA/SLA-' + i + '-' + j})
CREATE (k)-[:hasSla]->(s)
CREATE (p:Resource:Contact {id: 'CON-' + i + '-' + j,
        name: ['Ada Berg', 'Ben Cole', 'Cleo Dahl', 'Dan Eck'][(i + j) % 4] + ' ' + j,
        iri: $base + 'Contact/CON-' + i + '-' + j})-[:customer]->(c)
"""


def load_data(driver: neo4j.Driver, ontology: Ontology, database: str, entities: int) -> str:
    """Load demo data (the generator when present, a few Cypher-made customers otherwise)."""
    try:
        from semgraph.demo import load_demo

        summary = load_demo(driver, ontology, database, entities, seed=42, progress=False)
        return f"demo data: {summary.entities:,} entities, {summary.customers:,} customers"
    except ImportError as exc:  # the generator is optional for the picture
        reason = str(exc)
    driver.execute_query(_FALLBACK, base="https://semgraph.io/id/", database_=database)
    return f"demo generator unavailable ({reason}); loaded 4 customers via Cypher"


def ensure_node_modules() -> None:
    if (HERE / "node_modules" / "playwright-core").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm not found: install Node.js 20+")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def screenshot(out: Path, *, entities: int = 1000, chromium: str | None = None) -> None:
    """Start a throw-away server, load data, and write the Browser screenshot to ``out``."""
    chromium = chromium or os.environ.get("SEMGRAPH_CHROMIUM", DEFAULT_CHROMIUM)
    if not Path(chromium).exists():
        sys.exit(f"Chromium not found at {chromium} (apt-get install chromium)")
    node = shutil.which("node")
    if node is None:
        sys.exit("node not found: install Node.js 20+")
    ensure_node_modules()
    data_dir = Path(tempfile.mkdtemp(prefix="semgraph-browser-"))
    settings = Settings(
        data_dir=data_dir,
        neo4j_bolt_port=free_port(),
        neo4j_http_port=free_port(),
        neo4j_heap="1g",
        neo4j_pagecache="512m",
        _env_file=None,
    )
    paths = default_files(settings.ontology_dir)
    ontology = Ontology.load(paths)
    server = ManagedServer(settings, browser_files={STYLE_FILE: grass(ontology)})
    try:
        server.start()
        auth = (settings.neo4j_user, server.password())
        with neo4j.GraphDatabase.driver(settings.bolt_uri, auth=auth) as driver:
            load_ontology(driver, paths, settings.neo4j_database)
            print(load_data(driver, ontology, settings.neo4j_database, entities), flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "BROWSER_URL": settings.browser_url,
            "BOLT_URL": f"bolt://localhost:{settings.neo4j_bolt_port}",
            "NEO4J_USER": settings.neo4j_user,
            "NEO4J_PASSWORD": server.password(),
            "QUERY": QUERY,
            "OUT": str(out.resolve()),
            "CHROMIUM": chromium,
            "PROFILE_DIR": str(data_dir / "chromium-profile"),
        }
        subprocess.run([node, str(HERE / "shot.mjs")], cwd=HERE, env=env, check=True, timeout=300)
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "browser.png")
    parser.add_argument("--entities", type=int, default=1000, help="demo entities to load")
    parser.add_argument("--chromium", default=None, help=f"browser binary ({DEFAULT_CHROMIUM})")
    args = parser.parse_args()
    try:
        screenshot(args.out, entities=args.entities, chromium=args.chromium)
    except subprocess.CalledProcessError as exc:
        sys.exit(f"{' '.join(map(str, exc.cmd))} failed with exit code {exc.returncode}")


if __name__ == "__main__":
    main()
