"""FAISS vector index with stable ids, exact or approximate.

Vectors are unit length, so inner product = cosine similarity. Up to ``ann_threshold``
vectors the index is exact (``IndexIDMap2`` over ``IndexFlatIP``); a build above it uses
IVF-Flat (default: supports removal and adding without retraining) or HNSW inside
``IndexIDMap2`` (removal rebuilds the graph). IVF keeps the chunk ids in its own inverted
lists instead of an ``IndexIDMap2``: the id map assumes the inner index renumbers after a
removal, which IVF does not, so the pair would return wrong ids after a delete.
The file is written to a temporary name, fsynced and renamed, so a crash leaves either the
old or the new index on disk, never a torn one.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Literal

import faiss as _faiss
import numpy as np
import numpy.typing as npt

from semgraph.exceptions import ConfigurationError

FloatMatrix = npt.NDArray[np.float32]
# faiss's bundled stubs miss most of the SWIG API (DirectMap, SearchParametersHNSW, …).
faiss: Any = _faiss
IndexKind = Literal["flat", "ivf", "hnsw"]

# Below this many allowed ids a filtered search on an approximate index is done exactly.
_EXACT_FILTER_LIMIT = 4096


class VectorIndex:
    """An id-mapped FAISS index; ids are the metadata chunk ids."""

    def __init__(self, index: Any, *, nprobe: int = 96, ef_search: int = 128) -> None:
        self._index = index
        self.nprobe = nprobe
        self.ef_search = ef_search

    # --- construction ----------------------------------------------------------------------
    @classmethod
    def empty(cls, dim: int, **params: int) -> VectorIndex:
        """An exact, empty index of dimension ``dim``."""
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), **params)

    @classmethod
    def build(
        cls,
        ids: npt.NDArray[np.int64],
        vectors: FloatMatrix,
        *,
        ann_threshold: int,
        ann_kind: Literal["ivf", "hnsw"] = "ivf",
        hnsw_m: int = 32,
        **params: int,
    ) -> VectorIndex:
        """Build from scratch: exact up to ``ann_threshold`` vectors, else ``ann_kind``."""
        n, dim = vectors.shape
        if n <= ann_threshold:
            inner: Any = faiss.IndexFlatIP(dim)
        elif ann_kind == "hnsw":
            inner = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = 80
        else:
            # ~4·√n lists, but at least 39 training points per list (faiss's minimum).
            nlist = max(1, min(int(4 * math.sqrt(n)), n // 39))
            quantizer = faiss.IndexFlatIP(dim)
            inner = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
            rng = np.random.default_rng(0)
            sample = vectors[rng.choice(n, size=min(n, nlist * 40), replace=False)]
            inner.train(sample)
            inner.set_direct_map_type(faiss.DirectMap.Hashtable)
            inner.add_with_ids(vectors, ids)
            return cls(inner, **params)
        index = faiss.IndexIDMap2(inner)
        index.add_with_ids(vectors, ids)
        return cls(index, **params)

    @classmethod
    def load(cls, path: Path, **params: int) -> VectorIndex:
        return cls(faiss.read_index(str(path)), **params)

    def save(self, path: Path) -> None:
        """Write atomically: temp file, fsync, rename, fsync the folder."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        faiss.write_index(self._index, str(tmp))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    # --- facts -----------------------------------------------------------------------------
    @property
    def dim(self) -> int:
        return int(self._index.d)

    @property
    def kind(self) -> IndexKind:
        if isinstance(self._index, faiss.IndexIVF):
            return "ivf"
        if isinstance(faiss.downcast_index(self._index.index), faiss.IndexHNSW):
            return "hnsw"
        return "flat"

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def ids(self) -> set[int]:
        if self.kind == "ivf":
            lists = self._index.invlists
            return {
                int(i)
                for no in range(self._index.nlist)
                for i in faiss.rev_swig_ptr(lists.get_ids(no), lists.list_size(no))
            }
        return {int(i) for i in faiss.vector_to_array(self._index.id_map)}

    def reconstruct(self, ids: Sequence[int]) -> FloatMatrix:
        """The stored vectors of ``ids`` (each must be present), shape (len(ids), dim)."""
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for row, i in enumerate(ids):
            out[row] = self._index.reconstruct(int(i))
        return out

    # --- changes ---------------------------------------------------------------------------
    def add(self, ids: Sequence[int], vectors: FloatMatrix) -> None:
        if len(ids) == 0:
            return
        if vectors.shape[1] != self.dim:
            raise ConfigurationError(
                f"embedding dimension {vectors.shape[1]} does not match the index ({self.dim})",
                hint="the model changed: run `semgraph index rebuild`",
            )
        self._index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    def remove(self, ids: Collection[int]) -> None:
        if not ids:
            return
        if self.kind == "hnsw":
            # HNSW graphs cannot drop nodes: rebuild from the vectors that stay.
            keep = sorted(self.ids() - set(ids))
            vectors = self.reconstruct(keep)
            inner = faiss.downcast_index(self._index.index)
            m = inner.hnsw.nb_neighbors(1) // 2
            fresh = faiss.IndexHNSWFlat(self.dim, m, faiss.METRIC_INNER_PRODUCT)
            self._index = faiss.IndexIDMap2(fresh)
            self._index.add_with_ids(vectors, np.asarray(keep, dtype=np.int64))
            return
        array = np.asarray(sorted(ids), dtype=np.int64)
        # IVF's hash-table direct map only accepts an IDSelectorArray.
        self._index.remove_ids(faiss.IDSelectorArray(len(array), faiss.swig_ptr(array)))

    # --- search ----------------------------------------------------------------------------
    def search(
        self, query: FloatMatrix, k: int, allowed: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` (id, cosine) for one query vector (shape (1, dim) or (dim,)).

        ``allowed`` restricts results to those ids (metadata filters applied before search).
        """
        if len(self) == 0 or k <= 0 or (allowed is not None and not allowed):
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        kind = self.kind
        if allowed is not None and kind != "flat" and len(allowed) <= _EXACT_FILTER_LIMIT:
            ids = sorted(allowed)
            scores = self.reconstruct(ids) @ q[0]
            order = np.argsort(-scores)[:k]
            return [(ids[i], float(scores[i])) for i in order]
        sel = None
        if allowed is not None:
            sel = faiss.IDSelectorBatch(np.asarray(sorted(allowed), dtype=np.int64))
        if kind == "ivf":
            params: Any = faiss.SearchParametersIVF(nprobe=self.nprobe, sel=sel)
        elif kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(self.ef_search, k), sel=sel)
        else:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        scores, labels = self._index.search(q, min(k, len(self)), params=params)
        return [(int(i), float(s)) for i, s in zip(labels[0], scores[0], strict=True) if i >= 0]
