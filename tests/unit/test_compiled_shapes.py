"""Containers of one process share the shapes in force and their engine, until a shape
file changes: then the next container loads what the files say now."""

from __future__ import annotations

import shutil
from pathlib import Path

from semgraph.bootstrap import Container
from semgraph.config import Settings

SHAPES_DIR = Path(__file__).resolve().parents[2] / "shapes"


def test_containers_share_the_shapes_until_a_file_changes(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes"
    shutil.copytree(SHAPES_DIR, shapes)
    settings = Settings(shapes_dir=shapes, neo4j_password="unused", _env_file=None)
    first, second = Container(settings), Container(settings)
    assert second.shapes is first.shapes and second.engine is first.engine
    rule = "https://semgraph.io/shapes/rule/order-line-negative-quantity"
    assert rule in first.shapes.shapes

    (shapes / "rules" / "quantities.yaml").unlink()
    changed = Container(settings)
    assert changed.shapes is not first.shapes
    assert rule not in changed.shapes.shapes and rule not in changed.engine.shape_set.shapes

    (shapes / "rules" / "quantities.yaml").write_bytes(
        (SHAPES_DIR / "rules" / "quantities.yaml").read_bytes()
    )
    assert rule in Container(settings).shapes.shapes, "the same contents load again"

    oversell = "https://semgraph.io/shapes/OrderLineOversell"
    assert oversell in first.shapes.shapes
    (shapes / "inventory.ttl").write_text("# emptied\n", encoding="utf-8")  # same paths
    assert oversell not in Container(settings).shapes.shapes
