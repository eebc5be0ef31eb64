"""The document cache: each query text parsed once, bounded, limits still applied."""

from __future__ import annotations

import pytest
from graphql import GraphQLError

from semgraph.api.graphql.document_cache import DocumentStore


def test_the_same_query_text_is_parsed_once() -> None:
    store = DocumentStore(maxsize=4)
    first = store.entry("{ customers { totalCount } }", 2000)
    assert store.entry("{ customers { totalCount } }", 2000) is first
    assert store.entry("{ contracts { totalCount } }", 2000) is not first


def test_the_least_recently_used_document_is_dropped_past_maxsize() -> None:
    store = DocumentStore(maxsize=2)
    a = store.entry("{ a }", None)
    store.entry("{ b }", None)
    assert store.entry("{ a }", None) is a  # a is now the most recent
    store.entry("{ c }", None)  # drops b
    assert store.entry("{ a }", None) is a
    assert store.entry("{ b }", None) is not None  # parsed again


def test_the_token_limit_applies_and_failures_are_not_cached() -> None:
    store = DocumentStore()
    long_query = "{ x { " + " ".join(["y"] * 50) + " } }"
    with pytest.raises(GraphQLError, match="tokens"):
        store.entry(long_query, 20)
    assert store.entry(long_query, 2000).document is not None
    with pytest.raises(GraphQLError, match="Syntax Error"):
        store.entry("{ broken", 2000)


def test_the_cache_is_bounded_in_bytes_and_comments_count() -> None:
    store = DocumentStore(maxsize=512, max_bytes=10_000, max_entry_bytes=4_000)
    padding = "#" + "x" * 2_990 + "\n"  # a comment: no tokens, but bytes
    queries = [f"{padding}{{ q{i} }}" for i in range(10)]
    for query in queries:
        store.entry(query, 2000)
    assert store.bytes <= 10_000, "ten 3 kB documents do not fit in 10 kB"
    kept = store.entry(queries[-1], 2000)
    assert store.entry(queries[-1], 2000) is kept, "the newest stays"
    huge = "#" + "x" * 5_000 + "\n{ big }"
    first = store.entry(huge, 2000)
    assert store.entry(huge, 2000) is not first, "a text over max_entry_bytes is not kept"
    assert store.bytes <= 10_000
