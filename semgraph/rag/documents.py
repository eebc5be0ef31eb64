"""Corpus documents: Markdown files with a YAML front matter block."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from semgraph.exceptions import InvalidInputError


class Document(BaseModel):
    """One corpus document; ``body`` is the Markdown after the front matter.

    Character spans of chunks are offsets into ``body``.
    """

    id: str
    title: str
    type: str
    language: Literal["en", "zh"] = "en"
    system: str | None = None
    entities: list[str] = Field(default_factory=list)
    updated: dt.date | None = None
    body: str
    path: str | None = None

    @property
    def content_hash(self) -> str:
        """Hash of everything indexed from the document (front matter fields and body)."""
        head = self.model_dump_json(exclude={"body", "path"})
        return hashlib.sha256((head + "\n" + self.body).encode()).hexdigest()


def parse_document(text: str, *, path: str | None = None) -> Document:
    """Parse Markdown with front matter (``---`` … ``---``) into a Document.

    Raises InvalidInputError naming the file when the front matter is missing or invalid.
    """
    if not text.startswith("---"):
        raise InvalidInputError(
            "no YAML front matter", file=path, hint="start the file with a `---` block"
        )
    end = text.find("\n---", 3)
    if end < 0:
        raise InvalidInputError("front matter is not closed with `---`", file=path)
    try:
        meta = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError as exc:
        raise InvalidInputError(f"front matter is not valid YAML: {exc}", file=path) from exc
    if not isinstance(meta, dict):
        raise InvalidInputError("front matter must be a mapping", file=path)
    body_start = text.find("\n", end + 4)
    body = text[body_start + 1 :] if body_start >= 0 else ""
    try:
        return Document(**meta, body=body, path=path)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise InvalidInputError(
            f"front matter fields invalid or missing: {fields}",
            file=path,
            hint="required: id, title, type; optional: language, system, entities, updated",
        ) from exc


def load_corpus(corpus_dir: Path) -> Iterator[Document]:
    """Yield every ``*.md`` document under ``corpus_dir`` (sorted by path).

    Raises InvalidInputError on a malformed file or a duplicate document id.
    """
    seen: dict[str, str] = {}
    for file in sorted(corpus_dir.rglob("*.md")):
        doc = parse_document(file.read_text(encoding="utf-8"), path=str(file))
        if doc.id in seen:
            raise InvalidInputError(
                f"duplicate document id `{doc.id}` (also in {seen[doc.id]})", file=str(file)
            )
        seen[doc.id] = str(file)
        yield doc
