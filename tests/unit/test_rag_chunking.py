"""Chunking respects headings and uses smaller sizes for CJK text; tokenizer handles both."""

from __future__ import annotations

from semgraph.rag.chunking import chunk_document, is_cjk_text
from semgraph.rag.documents import parse_document
from semgraph.rag.keyword import tokenize
from semgraph.rag.redaction import RedactionRules, redact

DOC = """---
id: d1
title: Test policy
type: policy
language: en
updated: 2026-01-01
---
# Test policy

Intro paragraph.

## First section

Alpha paragraph one.

Alpha paragraph two.

## Second section

### Deep part

Beta text.
"""


def test_chunks_never_cross_headings_and_carry_the_heading_path() -> None:
    doc = parse_document(DOC)
    chunks = chunk_document(doc)
    assert [c.section for c in chunks] == ["Test policy", "First section", "Deep part"]
    assert chunks[2].section_path == "Test policy > Second section > Deep part"
    assert "Alpha paragraph one." in chunks[1].text and "Alpha paragraph two." in chunks[1].text
    assert "Beta" not in chunks[1].text
    for c in chunks:
        assert doc.body[c.start : c.end] == c.text
        assert c.section in c.embed_text


def test_long_sections_split_at_sentences_within_the_limit() -> None:
    sentences = " ".join(f"Sentence number {i} says something." for i in range(60))
    doc = parse_document(DOC.replace("Beta text.", sentences))
    deep = [c for c in chunk_document(doc, max_chars=200) if c.section == "Deep part"]
    assert len(deep) > 5
    assert all(len(c.text) <= 200 for c in deep)
    assert all(c.text.endswith(".") for c in deep)


def test_cjk_sections_use_the_smaller_limit() -> None:
    zh = "。".join("服务抵扣属于可变对价需要估计" for _ in range(40)) + "。"
    en = " ".join("Service credits are variable consideration." for _ in range(15))
    doc = parse_document(DOC.replace("Beta text.", zh).replace("Alpha paragraph two.", en))
    chunks = chunk_document(doc, max_chars=900, max_chars_cjk=120)
    zh_chunks = [c for c in chunks if c.section == "Deep part"]
    en_chunks = [c for c in chunks if c.section == "First section"]
    assert is_cjk_text(zh_chunks[0].text) and not is_cjk_text(en_chunks[0].text)
    assert len(zh_chunks) >= 5 and all(len(c.text) <= 120 for c in zh_chunks)
    assert len(en_chunks) == 1  # ~700 characters of English fit in one chunk


def test_edit_changes_only_the_hash_of_the_edited_chunk() -> None:
    before = chunk_document(parse_document(DOC))
    after = chunk_document(parse_document(DOC.replace("Beta text.", "Gamma text.")))
    changed = [
        a.section for a, b in zip(before, after, strict=True) if a.content_hash != b.content_hash
    ]
    assert changed == ["Deep part"]


def test_tokenizer_segments_chinese_and_lowercases_latin() -> None:
    assert tokenize("SLA 服务抵扣 99.95%, Gold-tier!") == [
        "sla",
        "服务",
        "抵扣",
        "99.95",
        "gold",
        "tier",
    ]


def test_redact_masks_values_patterns_and_hook() -> None:
    rules = RedactionRules(values=["Northwind"], patterns=[r"\d{3}-\d{4}"], mask=str.upper)
    assert redact("northwind calls 555-1234", rules) == "[REDACTED] CALLS [REDACTED]"
    assert redact("unchanged") == "unchanged"


def test_hash_lines_inside_code_fences_are_not_headings() -> None:
    fenced = "```\n# not a heading\n\nstill code\n```"
    chunks = chunk_document(parse_document(DOC.replace("Beta text.", fenced)))
    assert [c.section for c in chunks] == ["Test policy", "First section", "Deep part"]
    assert "# not a heading" in chunks[2].text and "still code" in chunks[2].text
