"""The impact path of an alert drawn as an SVG picture, on the server, with no script.

Each path the impact walk found (``"ServiceLevelAgreement SLA-1 -[hasSla]- Contract C-1"``)
adds its steps to one tree rooted at the changed entity: a column per depth, a box per
entity (the class's label over its id), a line per relationship with its label.
"""

from __future__ import annotations

import re
from html import escape

from semgraph.alerts.wording import AlertWording, Lang

_STEP = re.compile(r" -\[([^\]]+)\]- ")
_BOX_W, _BOX_H, _COL, _ROW, _PAD = 170, 46, 300, 64, 12
_COLOURS = ["#F25A29", "#4C8EDA", "#57C7E3", "#8DCC93", "#F79767", "#C990C0"]


def _parse(path: str) -> tuple[list[str], list[str]]:
    parts = _STEP.split(path)
    return parts[0::2], parts[1::2]  # nodes, relationship names between them


def impact_svg(paths: list[str], wording: AlertWording, lang: Lang, title: str) -> str:
    """An SVG of the tree the paths make (at most 40 entities); ``title`` names it."""
    parent: dict[str, tuple[str, str]] = {}
    depth: dict[str, int] = {}
    order: list[str] = []
    for path in sorted(paths, key=lambda p: (p.count(" -["), p)):
        nodes, rels = _parse(path)
        for i, node in enumerate(nodes):
            if node not in depth:
                if len(order) >= 40:
                    break
                depth[node] = i
                order.append(node)
                if i > 0:
                    parent[node] = (nodes[i - 1], rels[i - 1])
    rows: dict[int, int] = {}
    at: dict[str, tuple[int, int]] = {}
    for node in order:
        row = rows.get(depth[node], 0)
        rows[depth[node]] = row + 1
        at[node] = (_PAD + depth[node] * _COL, _PAD + 24 + row * _ROW)
    width = _PAD * 2 + (max(depth.values(), default=0)) * _COL + _BOX_W
    height = _PAD * 2 + 24 + max(rows.values(), default=1) * _ROW
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" class="impact">',
        f"<title>{escape(title)}</title>",
        f'<text x="{_PAD}" y="{_PAD + 10}" class="caption">{escape(title)}</text>',
    ]
    for node, (up, rel) in parent.items():
        (x1, y1), (x2, y2) = at[up], at[node]
        sx, sy, ex, ey = x1 + _BOX_W, y1 + _BOX_H // 2, x2, y2 + _BOX_H // 2
        out.append(
            f'<path d="M{sx},{sy} C{sx + 30},{sy} {ex - 30},{ey} {ex},{ey}" class="edge" '
            'marker-end="url(#arrow)"/>'
        )
        label = escape(wording.relationship(rel, lang))
        mx, my = (sx + ex) // 2, (sy + ey) // 2 - 5
        out.append(f'<text x="{mx}" y="{my}" text-anchor="middle" class="rel">{label}</text>')
    for i, node in enumerate(order):
        x, y = at[node]
        cls, _, ident = node.partition(" ")
        colour = _COLOURS[min(depth[node], len(_COLOURS) - 1)] if i else _COLOURS[0]
        out.append(
            f'<g class="entity"><rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" '
            f'rx="8" fill="{colour}"/>'
            f'<text x="{x + 10}" y="{y + 19}" class="cls">{escape(wording.cls(cls, lang))}</text>'
            f'<text x="{x + 10}" y="{y + 37}" class="id">{escape(ident)}</text></g>'
        )
    out.insert(
        1,
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7a7f8a"/>'
        "</marker></defs>",
    )
    out.append("</svg>")
    return "".join(out)
