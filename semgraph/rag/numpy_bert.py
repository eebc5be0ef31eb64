"""A sentence-transformers BERT folder (e.g. all-MiniLM-L6-v2) run in numpy, without torch.

The folder's own files say what to run: ``modules.json`` (Transformer → Pooling →
Normalize), the BERT ``config.json``, ``model.safetensors`` (read with
``safetensors.numpy``), ``tokenizer.json`` (the ``tokenizers`` package),
``sentence_bert_config.json`` (max_seq_length) and ``1_Pooling/config.json`` (mean).
Anything else is refused with a ConfigurationError, so a folder is never run half-right.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from semgraph.exceptions import ConfigurationError

FloatMatrix = npt.NDArray[np.float32]

_TORCH_HINT = (
    "use SEMGRAPH_RAG_EMBEDDER=sentence-transformers for this folder "
    "(pip install 'semgraph[torch]')"
)
# Attention of one group of sequences is computed at once up to this many scores
# (float32): 4 Mi scores = 16 MB, so a batch of 64 × 256 tokens needs no 200 MB temporary.
_MAX_ATTENTION_SCORES = 1 << 22
# Feed-forward rows per step: 2,048 × 1,536 float32 = 12 MB of intermediate activations.
_FFN_ROWS = 2048


def _refuse(folder: Path, what: str, hint: str = _TORCH_HINT) -> ConfigurationError:
    return ConfigurationError(f"{folder}: {what}; the numpy embedder cannot run it", hint=hint)


def _read_json(folder: Path, path: Path) -> Any:
    if not path.is_file():
        raise _refuse(
            folder,
            f"{path.relative_to(folder)} is missing",
            hint="save the model with sentence-transformers' model.save(folder), or " + _TORCH_HINT,
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _refuse(folder, f"{path.relative_to(folder)} is not readable JSON ({exc})") from exc


@dataclass(frozen=True)
class BertFolder:
    """What a sentence-transformers BERT folder declares, checked before any weight is read."""

    folder: Path
    transformer_dir: Path
    hidden_size: int
    num_layers: int
    num_heads: int
    layer_norm_eps: float
    max_seq_length: int
    do_lower_case: bool

    @classmethod
    def read(cls, folder: Path) -> BertFolder:
        """Check ``folder`` and return its spec.

        Raises ConfigurationError naming what is wrong: missing files, a model that is not
        BERT with GELU and absolute positions, modules other than Transformer, Pooling and
        Normalize, or a pooling other than mean.
        """
        modules = _read_json(folder, folder / "modules.json")
        kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
        if (
            not kinds
            or kinds[0] != "Transformer"
            or kinds[1:] not in (["Pooling"], ["Pooling", "Normalize"])
        ):
            raise _refuse(
                folder,
                f"modules.json lists {kinds}; only Transformer, Pooling (and Normalize) run here",
            )
        transformer_dir = folder / str(modules[0].get("path", ""))
        pooling_dir = folder / str(modules[1].get("path", ""))

        config = _read_json(folder, transformer_dir / "config.json")
        if config.get("model_type") != "bert":
            raise _refuse(
                folder, f"config.json has model_type {config.get('model_type')!r}, not 'bert'"
            )
        if config.get("hidden_act", "gelu") != "gelu":
            raise _refuse(folder, f"hidden_act {config.get('hidden_act')!r} (only 'gelu')")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise _refuse(folder, f"position_embedding_type {config['position_embedding_type']!r}")
        hidden = int(config["hidden_size"])
        heads = int(config["num_attention_heads"])
        if hidden % heads:
            raise _refuse(folder, f"hidden_size {hidden} is not a multiple of {heads} heads")

        pooling = _read_json(folder, pooling_dir / "config.json")
        modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode_") and v)
        if modes != ["pooling_mode_mean_tokens"]:
            raise _refuse(folder, f"pooling {modes or 'none'} (only mean pooling is supported)")
        if int(pooling.get("word_embedding_dimension", hidden)) != hidden:
            raise _refuse(folder, "the pooling dimension differs from the model's hidden_size")

        for name in ("model.safetensors", "tokenizer.json"):
            if not (transformer_dir / name).is_file():
                raise _refuse(
                    folder,
                    f"{(transformer_dir / name).relative_to(folder)} is missing",
                    hint="the numpy embedder reads safetensors weights and a fast-tokenizer "
                    "tokenizer.json; re-save the model with a recent sentence-transformers, or "
                    + _TORCH_HINT,
                )
        st_config_path = transformer_dir / "sentence_bert_config.json"
        st_config = _read_json(folder, st_config_path) if st_config_path.is_file() else {}
        max_positions = int(config.get("max_position_embeddings", 512))
        max_len = min(int(st_config.get("max_seq_length") or max_positions), max_positions)
        return cls(
            folder=folder,
            transformer_dir=transformer_dir,
            hidden_size=hidden,
            num_layers=int(config["num_hidden_layers"]),
            num_heads=heads,
            layer_norm_eps=float(config.get("layer_norm_eps", 1e-12)),
            max_seq_length=max_len,
            do_lower_case=bool(st_config.get("do_lower_case", False)),
        )


@dataclass(frozen=True)
class _Layer:
    # Weights are stored transposed (in × out) so every projection is ``x @ w + b``.
    qkv_w: FloatMatrix
    qkv_b: FloatMatrix
    out_w: FloatMatrix
    out_b: FloatMatrix
    ln1_w: FloatMatrix
    ln1_b: FloatMatrix
    ffn_in_w: FloatMatrix
    ffn_in_b: FloatMatrix
    ffn_out_w: FloatMatrix
    ffn_out_b: FloatMatrix
    ln2_w: FloatMatrix
    ln2_b: FloatMatrix


class NumpyBertEncoder:
    """Runs a checked ``BertFolder``: tokenise, BERT encoder, mean pooling, L2 normalisation.

    Float32 throughout. ``encode`` sorts texts by token count and batches them so that a
    batch pads only to its own longest text. numpy's BLAS decides the threads of the
    matrix products (see ``Embedder``).
    """

    def __init__(self, spec: BertFolder) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.spec = spec
        self.dimension = spec.hidden_size
        tokenizer = Tokenizer.from_file(str(spec.transformer_dir / "tokenizer.json"))
        # tokenizer.json carries its own (training) truncation and fixed padding: replace
        # both with sentence-transformers' behaviour, max_seq_length and no padding here.
        tokenizer.enable_truncation(max_length=spec.max_seq_length)
        tokenizer.no_padding()
        self._tokenizer = tokenizer

        tensors = load_file(str(spec.transformer_dir / "model.safetensors"))
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""

        def weight(name: str) -> FloatMatrix:
            key = prefix + name
            if key not in tensors:
                raise _refuse(spec.folder, f"model.safetensors has no tensor {key!r}")
            return np.ascontiguousarray(tensors[key], dtype=np.float32)

        self._word = weight("embeddings.word_embeddings.weight")
        self._position = weight("embeddings.position_embeddings.weight")
        self._token_type0 = weight("embeddings.token_type_embeddings.weight")[0]
        self._emb_ln_w = weight("embeddings.LayerNorm.weight")
        self._emb_ln_b = weight("embeddings.LayerNorm.bias")
        self._layers = [self._read_layer(weight, i) for i in range(spec.num_layers)]

    @staticmethod
    def _read_layer(weight: Any, i: int) -> _Layer:
        p = f"encoder.layer.{i}."
        att = p + "attention.self."
        return _Layer(
            qkv_w=np.ascontiguousarray(
                np.concatenate([weight(att + n + ".weight") for n in ("query", "key", "value")]).T
            ),
            qkv_b=np.concatenate([weight(att + n + ".bias") for n in ("query", "key", "value")]),
            out_w=np.ascontiguousarray(weight(p + "attention.output.dense.weight").T),
            out_b=weight(p + "attention.output.dense.bias"),
            ln1_w=weight(p + "attention.output.LayerNorm.weight"),
            ln1_b=weight(p + "attention.output.LayerNorm.bias"),
            ffn_in_w=np.ascontiguousarray(weight(p + "intermediate.dense.weight").T),
            ffn_in_b=weight(p + "intermediate.dense.bias"),
            ffn_out_w=np.ascontiguousarray(weight(p + "output.dense.weight").T),
            ffn_out_b=weight(p + "output.dense.bias"),
            ln2_w=weight(p + "output.LayerNorm.weight"),
            ln2_b=weight(p + "output.LayerNorm.bias"),
        )

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids with [CLS]/[SEP], truncated to ``max_seq_length`` (sentence-transformers'
        preprocessing: texts stripped, lower-cased only when the folder asks for it)."""
        prepared = [str(t).strip() for t in texts]
        if self.spec.do_lower_case:
            prepared = [t.lower() for t in prepared]
        return [e.ids for e in self._tokenizer.encode_batch(prepared)]

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> FloatMatrix:
        """(len(texts), dimension) float32 rows of unit length, in the order of ``texts``."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        ids = self.token_ids(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), max(1, batch_size)):
            members = order[start : start + batch_size]
            out[members] = self._encode_batch([ids[i] for i in members])
        return out

    def _encode_batch(self, ids: list[list[int]]) -> FloatMatrix:
        n, length = len(ids), max(len(row) for row in ids)
        token_ids = np.zeros((n, length), dtype=np.int64)  # pad id 0 ([PAD]); masked anyway
        mask = np.zeros((n, length), dtype=bool)
        for i, row in enumerate(ids):
            token_ids[i, : len(row)] = row
            mask[i, : len(row)] = True
        hidden = self.spec.hidden_size
        x = self._word[token_ids] + self._position[:length] + self._token_type0
        x = _layer_norm(x.reshape(n * length, hidden), self._emb_ln_w, self._emb_ln_b, self._eps)
        # Padded keys get -inf-like scores; a batch without padding skips the addition.
        key_bias = None if mask.all() else np.where(mask, 0.0, -1e9).astype(np.float32)
        for layer in self._layers:
            x = self._layer(x, layer, n, length, key_bias)
        states = x.reshape(n, length, hidden)
        weights = mask.astype(np.float32)
        pooled: FloatMatrix = np.einsum("nlh,nl->nh", states, weights)
        pooled /= np.maximum(weights.sum(axis=1, keepdims=True), np.float32(1e-9))
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
        return pooled

    @property
    def _eps(self) -> float:
        return self.spec.layer_norm_eps

    def _layer(
        self, x: FloatMatrix, w: _Layer, n: int, length: int, key_bias: FloatMatrix | None
    ) -> FloatMatrix:
        hidden, heads = self.spec.hidden_size, self.spec.num_heads
        head_dim = hidden // heads
        qkv = x @ w.qkv_w
        qkv += w.qkv_b
        # (n, length, 3, heads, head_dim) → (3, n, heads, length, head_dim)
        q, k, v = qkv.reshape(n, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
        q = q * np.float32(1.0 / math.sqrt(head_dim))
        context = np.empty((n, heads, length, head_dim), dtype=np.float32)
        group = max(1, _MAX_ATTENTION_SCORES // (heads * length * length))
        for s in range(0, n, group):
            e = min(n, s + group)
            scores = q[s:e] @ k[s:e].transpose(0, 1, 3, 2)  # (g, heads, length, length)
            if key_bias is not None:
                scores += key_bias[s:e, None, None, :]
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context[s:e] = scores @ v[s:e]
        attended = context.transpose(0, 2, 1, 3).reshape(n * length, hidden) @ w.out_w
        attended += w.out_b
        attended += x
        x = _layer_norm(attended, w.ln1_w, w.ln1_b, self._eps)

        out = np.empty_like(x)
        for s in range(0, x.shape[0], _FFN_ROWS):
            rows = x[s : s + _FFN_ROWS]
            inner = rows @ w.ffn_in_w
            inner += w.ffn_in_b
            _gelu_inplace(inner)
            block = inner @ w.ffn_out_w
            block += w.ffn_out_b
            block += rows
            out[s : s + _FFN_ROWS] = block
        return _layer_norm(out, w.ln2_w, w.ln2_b, self._eps)


def _layer_norm(x: FloatMatrix, weight: FloatMatrix, bias: FloatMatrix, eps: float) -> FloatMatrix:
    centred: FloatMatrix = x - x.mean(axis=-1, keepdims=True)
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    centred /= np.sqrt(variance + np.float32(eps))
    centred *= weight
    centred += bias
    return centred


# Abramowitz & Stegun 7.1.26: erfc(z) ≈ t·(a1 + t·(a2 + …)) · exp(−z²), t = 1 / (1 + p·z),
# for z ≥ 0, absolute error ≤ 1.5e-7 — below float32's resolution of values near 1, so
# this is BERT's exact (erf) GELU to float32 precision; numpy has no erf of its own.
_P = np.float32(0.3275911)
_A = tuple(
    np.float32(a) for a in (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
)
_INV_SQRT2 = np.float32(1.0 / math.sqrt(2.0))


def _gelu_inplace(x: FloatMatrix) -> None:
    """x ← x·Φ(x), Φ the standard normal CDF, computed as ½·erfc(|x|/√2) mirrored at 0."""
    z = np.abs(x)
    z *= _INV_SQRT2
    t = z * _P
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * _A[4]
    for a in (_A[3], _A[2], _A[1], _A[0]):
        poly += a
        poly *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z
    poly *= 0.5  # poly = Φ(−|x|)
    # Φ(x) = 1 − Φ(−x) for x ≥ 0
    np.subtract(1.0, poly, out=poly, where=x >= 0)
    x *= poly
