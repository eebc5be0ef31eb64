"""Structure-aware chunking: sections follow headings, chunks pack whole paragraphs.

A chunk never crosses a heading. Paragraphs (blank-line separated; a table or list is one
paragraph) are packed up to a size limit; a paragraph over the limit is split at sentence
ends. The limit is smaller for CJK text because one CJK character is roughly one model
token, where a Latin word of ~5 characters is one to two.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from semgraph.rag.documents import Document

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|(?<=[。！？；])")


@dataclass(frozen=True)
class Chunk:
    """A piece of a document; ``start``/``end`` are character offsets into ``Document.body``."""

    ordinal: int
    section: str
    section_path: str
    start: int
    end: int
    text: str
    embed_text: str
    content_hash: str


def is_cjk_text(text: str) -> bool:
    """True when at least 30 % of the non-space characters are CJK."""
    visible = sum(1 for c in text if not c.isspace())
    return visible > 0 and len(_CJK.findall(text)) / visible >= 0.3


@dataclass
class _Section:
    path: list[str]
    paragraphs: list[tuple[int, int]]  # spans in the body


def _sections(body: str, title: str) -> list[_Section]:
    sections = [_Section([title], [])]
    stack: list[str] = []
    para_start: int | None = None
    pos = 0
    in_fence = False
    for line in body.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
        # Inside a code fence, "#" lines and blank lines are content, not structure.
        heading = None if in_fence else _HEADING.match(stripped)
        if heading or (not stripped and not in_fence):
            if para_start is not None:
                sections[-1].paragraphs.append((para_start, pos))
                para_start = None
            if heading:
                level = len(heading.group(1))
                stack = [*stack[: level - 1], heading.group(2)]
                sections.append(_Section(list(stack) or [title], []))
        elif para_start is None:
            para_start = pos
        pos += len(line)
    if para_start is not None:
        sections[-1].paragraphs.append((para_start, pos))
    return [s for s in sections if s.paragraphs]


def _split_long(body: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Split one over-long paragraph at sentence ends (hard cut if a sentence is too long)."""
    pieces: list[tuple[int, int]] = []
    cut = start
    for m in _SENTENCE_END.finditer(body, start, end):
        if m.start() > cut:
            pieces.append((cut, m.start()))
        cut = m.end()
    if end > cut:
        pieces.append((cut, end))
    out: list[tuple[int, int]] = []
    cur_s, cur_e = pieces[0]
    for s, e in pieces[1:]:
        if e - cur_s <= limit:
            cur_e = e
        else:
            out.append((cur_s, cur_e))
            cur_s, cur_e = s, e
    out.append((cur_s, cur_e))
    hard: list[tuple[int, int]] = []
    for s, e in out:
        while e - s > limit:
            hard.append((s, s + limit))
            s += limit
        hard.append((s, e))
    return [(s, e) for s, e in hard if body[s:e].strip()]


def chunk_document(doc: Document, *, max_chars: int = 900, max_chars_cjk: int = 240) -> list[Chunk]:
    """Cut a document into chunks that respect headings and CJK-aware size limits."""
    body = doc.body
    chunks: list[Chunk] = []
    for section in _sections(body, doc.title):
        text_of_section = "".join(body[s:e] for s, e in section.paragraphs)
        limit = max_chars_cjk if is_cjk_text(text_of_section) else max_chars
        spans: list[tuple[int, int]] = []
        for s, e in section.paragraphs:
            spans.extend(_split_long(body, s, e, limit) if e - s > limit else [(s, e)])
        groups: list[tuple[int, int]] = []
        for s, e in spans:
            if groups and e - groups[-1][0] <= limit:
                groups[-1] = (groups[-1][0], e)
            else:
                groups.append((s, e))
        name = section.path[-1]
        path = " > ".join(section.path)
        for s, e in groups:
            while e > s and body[e - 1].isspace():
                e -= 1
            text = body[s:e]
            # The title and heading path go into the embedded text: a paragraph alone often
            # does not say which tier or policy it is about.
            embed_text = f"{doc.title} — {path}\n{text}" if path != doc.title else f"{path}\n{text}"
            digest = hashlib.sha256(embed_text.encode()).hexdigest()
            chunks.append(Chunk(len(chunks), name, path, s, e, text, embed_text, digest))
    return chunks
