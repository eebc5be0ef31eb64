"""BM25 keyword search with a tokenizer for English and Chinese.

A compact in-memory inverted index (term → {chunk id: term frequency}) that supports adding
and removing single chunks, which the incremental index needs; ``bm25s`` rebuilds its
matrices on every change. The index is rebuilt from the stored tokens when the store opens.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable

import numpy as np
import numpy.typing as npt

_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+(?:[.'][^\W_]+)*", re.UNICODE)
_jieba_lock = threading.Lock()
_jieba_ready = False


def _jieba_cut(text: str) -> list[str]:
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.setLogLevel(60)  # silence the dictionary-loading chatter
                jieba.initialize()
                _jieba_ready = True
    return [t for t in jieba.lcut(text) if t.strip()]


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens; CJK runs are segmented by jieba; punctuation is dropped.

    ``"SLA 服务抵扣 99.95%"`` → ``["sla", "服务", "抵扣", "99.95"]``.
    """
    tokens: list[str] = []
    pos = 0
    for run in _CJK_RUN.finditer(text):
        tokens.extend(m.group().lower() for m in _WORD.finditer(text, pos, run.start()))
        tokens.extend(_jieba_cut(run.group()))
        pos = run.end()
    tokens.extend(m.group().lower() for m in _WORD.finditer(text, pos))
    return tokens


class BM25Index:
    """Okapi BM25 (k1=1.2, b=0.75) over chunk ids; scores are unbounded positive floats.

    Posting lists are cached as numpy arrays per term and scores summed into a dense array
    indexed by chunk id, so a query costs O(postings of its terms), not O(chunks).
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._postings: dict[str, dict[int, int]] = {}
        self._terms_of: dict[int, tuple[str, ...]] = {}
        self._arrays: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
        self._lengths = np.zeros(1024, dtype=np.float64)
        self._total_length = 0.0

    def __len__(self) -> int:
        return len(self._terms_of)

    def add(self, chunk_id: int, tokens: Iterable[str]) -> None:
        """Index a chunk (replacing it if already present)."""
        if chunk_id in self._terms_of:
            self.remove(chunk_id)
        counts = Counter(tokens)
        for term, tf in counts.items():
            self._postings.setdefault(term, {})[chunk_id] = tf
            self._arrays.pop(term, None)
        if chunk_id >= len(self._lengths):
            grown = np.zeros(max(chunk_id + 1, 2 * len(self._lengths)), dtype=np.float64)
            grown[: len(self._lengths)] = self._lengths
            self._lengths = grown
        length = float(sum(counts.values()))
        self._lengths[chunk_id] = length
        self._total_length += length
        self._terms_of[chunk_id] = tuple(counts)

    def remove(self, chunk_id: int) -> None:
        """Drop a chunk; unknown ids are ignored."""
        terms = self._terms_of.pop(chunk_id, None)
        if terms is None:
            return
        self._total_length -= self._lengths[chunk_id]
        self._lengths[chunk_id] = 0.0
        for term in terms:
            self._arrays.pop(term, None)
            posting = self._postings.get(term)
            if posting is not None:
                posting.pop(chunk_id, None)
                if not posting:
                    del self._postings[term]

    def _posting_arrays(
        self, term: str
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None:
        cached = self._arrays.get(term)
        if cached is None:
            posting = self._postings.get(term)
            if not posting:
                return None
            ids = np.fromiter(posting.keys(), dtype=np.int64, count=len(posting))
            tf = np.fromiter(posting.values(), dtype=np.float64, count=len(posting))
            cached = self._arrays[term] = (ids, tf)
        return cached

    def search(
        self, query_tokens: Iterable[str], k: int, allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` (chunk id, BM25 score) with score > 0, restricted to ``allowed`` if given."""
        n = len(self._terms_of)
        if n == 0 or k <= 0:
            return []
        avg = self._total_length / n
        scores = np.zeros(len(self._lengths), dtype=np.float64)
        for term in set(query_tokens):
            arrays = self._posting_arrays(term)
            if arrays is None:
                continue
            ids, tf = arrays
            idf = math.log(1 + (n - len(ids) + 0.5) / (len(ids) + 0.5))
            norm = self.k1 * (1 - self.b + self.b * self._lengths[ids] / avg)
            scores[ids] += idf * tf * (self.k1 + 1) / (tf + norm)
        if allowed is not None:
            mask = np.zeros(len(scores), dtype=bool)
            keep = np.fromiter((i for i in allowed if i < len(scores)), dtype=np.int64)
            mask[keep] = True
            scores[~mask] = 0.0
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        order = sorted(hits.tolist(), key=lambda i: (-scores[i], i))
        return [(i, float(scores[i])) for i in order]
