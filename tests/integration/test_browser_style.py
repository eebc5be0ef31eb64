"""The Neo4j Browser style: served by the managed Neo4j, applied on connect, and drawn.

The first tests need only Neo4j; the last one drives Debian's Chromium through
``scripts/browser_screenshot`` and is skipped where no Chromium is installed.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from semgraph.browser_style import AREA_COLOURS, grass
from semgraph.config import REPO_ROOT, Settings
from semgraph.neo4j_server import ManagedServer
from semgraph.neo4j_server.server import STYLE_FILE
from semgraph.ontology.graph_loader import default_files
from semgraph.ontology.model import Ontology
from tests.conftest import free_port

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = REPO_ROOT / "scripts" / "browser_screenshot" / "run.py"


@pytest.fixture(scope="module")
def ontology() -> Ontology:
    return Ontology.load(default_files(REPO_ROOT / "ontology"))


@pytest.fixture(scope="module")
def styled_server(
    settings: Settings, ontology: Ontology, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ManagedServer]:
    """A second small managed server, started with the style (the session one has none)."""
    if not settings.managed:
        pytest.skip("external server: semgraph serves no Browser files there")
    styled = Settings(
        data_dir=tmp_path_factory.mktemp("styled"),
        cache_dir=settings.cache_dir,
        neo4j_bolt_port=free_port(),
        neo4j_http_port=free_port(),
        neo4j_heap="512m",
        neo4j_pagecache="128m",
        _env_file=None,
    )
    server = ManagedServer(styled, browser_files={STYLE_FILE: grass(ontology)})
    server.start()
    yield server
    server.stop()


def parse_grass(text: str) -> dict[str, dict[str, str]]:
    """``selector -> {property: value}`` of a GraSS text (quotes around values dropped)."""
    rules: dict[str, dict[str, str]] = {}
    quoted_or_plain = r"(?:'[^']*'|\"[^\"]*\"|[^}'\"])*"
    for selector, body in re.findall(rf"([\w.]+)\s*\{{({quoted_or_plain})\}}", text):
        props = (part.split(":", 1) for part in body.split(";") if ":" in part)
        rules[selector] = {k.strip(): v.strip().strip("'\"") for k, v in props}
    return rules


def _url(server: ManagedServer, path: str) -> str:
    return f"http://127.0.0.1:{server.settings.neo4j_http_port}{path}"


def test_style_is_served_next_to_the_browser(
    styled_server: ManagedServer, ontology: Ontology
) -> None:
    style = httpx.get(_url(styled_server, f"/browser/{STYLE_FILE}"), timeout=10)
    assert style.status_code == 200
    assert style.text == grass(ontology)
    # Our file must not hide the Browser itself (Neo4j serves one `browser/` folder).
    page = httpx.get(_url(styled_server, "/browser/"), timeout=10)
    assert page.status_code == 200
    assert "<html" in page.text.lower()


def test_every_concrete_class_has_its_area_colour_and_an_existing_caption(
    styled_server: ManagedServer, ontology: Ontology
) -> None:
    text = httpx.get(_url(styled_server, f"/browser/{STYLE_FILE}"), timeout=10).text
    rules = parse_grass(text)
    for cls in ontology.concrete_classes():
        rule = rules.get(f"node.{cls.name}")
        assert rule is not None, f"no rule for {cls.name}"
        assert cls.business_area in AREA_COLOURS, f"{cls.name}: area {cls.business_area!r}"
        fill, border, _ = AREA_COLOURS[cls.business_area]
        assert (rule["color"], rule["border-color"]) == (fill, border), cls.name
        caption = re.fullmatch(r"\{(\w+)\}", rule["caption"])
        assert caption is not None, f"{cls.name}: caption {rule['caption']!r}"
        assert caption.group(1) in ontology.datatype_properties(cls.name), cls.name
    # The Browser colours a label without a rule itself and appends that rule last, so
    # :Resource (on every entity) needs a rule of ours, placed before the class rules.
    order = list(rules)
    assert order.index("node.Resource") < min(
        order.index(f"node.{c.name}") for c in ontology.concrete_classes()
    )
    assert rules["node.Customer"]["caption"] == "{name}"
    assert rules["node.Contract"]["caption"] == "{contractNumber}"


def test_conf_applies_the_style_on_connect(styled_server: ManagedServer) -> None:
    conf = dict(
        line.split("=", 1)
        for line in (styled_server.conf_dir / "neo4j.conf").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    port = styled_server.settings.neo4j_http_port
    command = conf["browser.post_connect_cmd"]
    assert command == f"style http://localhost:{port}/browser/{STYLE_FILE}"
    assert "localhost" in conf["browser.remote_content_hostname_whitelist"].split(",")
    # The URL the Browser fetches on connect answers with the style.
    url = command.removeprefix("style ")
    assert httpx.get(url, timeout=10).text.startswith("node {")


# --- end to end: headless Chromium ---------------------------------------------------------


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB/RGBA PNG (stdlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    bpp = 3 if colour_type == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line[j] for j in range(stride) if j % bpp < 3))
        prev = line
    return width, height, rows


@pytest.mark.skipif(
    not CHROMIUM.exists() or shutil.which("node") is None,
    reason="needs Debian's Chromium (/usr/bin/chromium; .ci/run installs it) and Node.js",
)
def test_screenshot_shows_the_styled_graph(settings: Settings, tmp_path: Path) -> None:
    if not settings.managed:
        pytest.skip("the screenshot script starts its own managed server")
    out = tmp_path / "browser.png"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "post-connect style applied" in proc.stdout
    data = out.read_bytes()
    assert len(data) > 50_000
    width, height, rows = png_pixels(data)
    assert (width, height) == (1600, 1000)
    colours = {row[i : i + 3] for row in rows[::4] for i in range(0, len(row), 12)}
    assert len(colours) > 200, "the picture is (nearly) one colour"
    # The style's colours are on screen: customers (master data) and contracts (legal).
    for area in ("master-data", "legal", "sales"):
        fill = bytes.fromhex(AREA_COLOURS[area][0].lstrip("#"))
        assert any(fill in row for row in rows), f"no {area} node drawn"
