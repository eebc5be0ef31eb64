"""Which ontology files to read: formats by suffix, and ``owl:imports`` of local files.

``owl:imports`` are followed only to local files (a ``file:`` IRI, or a file beside the
importer named like the import's last path segment); anything else is skipped and
reported, never fetched from the network.
"""

from __future__ import annotations

from pathlib import Path

FORMATS = {
    ".ttl": "turtle",
    ".owl": "xml",
    ".rdf": "xml",
    ".xml": "xml",
    ".jsonld": "json-ld",
    ".nt": "nt",
}


def rdf_format(path: Path) -> str:
    """The rdflib parser for ``path``'s suffix (Turtle when unknown)."""
    return FORMATS.get(path.suffix.lower(), "turtle")


def local_import(iri: str, base: Path) -> Path | None:
    """Resolve an import to a local file: file: IRIs, or a same-named file beside the importer."""
    if iri.startswith("file:"):
        candidate = Path(iri.removeprefix("file://").removeprefix("file:"))
        return candidate if candidate.exists() else None
    name = iri.rstrip("/#").rsplit("/", 1)[-1]
    for suffix in ("", *FORMATS):
        candidate = base / f"{name}{suffix}"
        if name and candidate.is_file():
            return candidate.resolve()
    return None
