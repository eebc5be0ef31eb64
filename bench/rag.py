"""RAG benchmark: retrieval quality (bm25 / vector / hybrid), latency, ANN recall, throughput.

    .venv/bin/python bench/rag.py --chunks 10000
    .venv/bin/python bench/rag.py --chunks 100000 --ann-kind ivf

Indexes ``rag/corpus`` plus generated short distractor chunks up to ``--chunks``; the
distractor embeddings are cached under ``bench/results/`` so reruns skip the slow part.
Relevant chunks of a labelled question are those whose document and section heading match
a label. The last line printed is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import faiss
import numpy as np
import torch

from semgraph.rag.documents import load_corpus
from semgraph.rag.embeddings import Embedder
from semgraph.rag.index_store import IndexChanges, IndexStore
from semgraph.rag.indexer import sync_documents
from semgraph.rag.keyword import tokenize
from semgraph.rag.retriever import MODES, HybridRetriever
from semgraph.rag.settings import RagSettings
from semgraph.rag.store import ChunkRow
from semgraph.rag.vector_index import VectorIndex

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

_SUBJECTS = [
    "Warehouse",
    "Invoice",
    "Shipment",
    "Customer",
    "Supplier",
    "Payroll",
    "Ticket",
    "Order",
    "Contract",
    "Forecast",
    "Budget",
    "Pallet",
    "Campaign",
    "Lead",
    "Asset",
]
_VERBS = [
    "was reconciled",
    "was delayed",
    "moved to review",
    "was approved",
    "was archived",
    "needs a follow-up",
    "was escalated",
    "was re-scanned",
    "changed owner",
    "was priced",
]
_OBJECTS = [
    "by the regional team",
    "after the quarterly audit",
    "because of a missing field",
    "for the northern region",
    "before month end",
    "during the system migration",
    "in the legacy ERP",
    "at the Hamburg depot",
    "with a manual adjustment",
    "under the new discount rule",
    "while uptime was reported",
    "as a support credit",
]
_ZH = [
    "仓库",
    "发票",
    "客户",
    "供应商",
    "订单",
    "合同",
    "预算",
    "工单",
    "库存",
    "报表",
    "审批",
    "迁移",
    "季度",
    "区域",
    "折扣",
    "服务",
    "月末",
    "核对",
    "延迟",
    "归档",
]


def distractor_texts(n: int) -> list[str]:
    """``n`` short, deterministic, plausible-but-irrelevant chunks (one in five Chinese)."""
    rng = random.Random(42)
    out = []
    for i in range(n):
        if i % 5 == 4:
            out.append("".join(rng.sample(_ZH, 4)) + f"，编号{rng.randint(1000, 99999)}。")
        else:
            out.append(
                f"{rng.choice(_SUBJECTS)} {rng.randint(100, 99999)} {rng.choice(_VERBS)} "
                f"{rng.choice(_OBJECTS)}."
            )
    return out


PART = 10_000  # distractors are embedded and cached in parts, so an interrupted run resumes


def distractor_vectors(texts: list[str], embedder: Embedder) -> tuple[np.ndarray, float | None]:
    """Embeddings of ``texts``, cached per part of 10,000; chunks/s when any were embedded.

    The generator is sequential, so part ``i`` always holds the same texts whatever ``n``.
    """
    RESULTS.mkdir(parents=True, exist_ok=True)
    embedder.batch_size = 256  # short texts: bigger batches, less per-batch overhead
    parts, embedded, seconds = [], 0, 0.0
    for first in range(0, len(texts), PART):
        cache = RESULTS / f"distractors-{embedder.name}-part{first // PART:03d}.npy"
        if cache.exists():
            part = np.load(cache)
        else:
            full = distractor_texts(first + PART)[first:]
            started = time.perf_counter()
            part = embedder.encode(full, show_progress=True)
            seconds += time.perf_counter() - started
            embedded += len(full)
            np.save(cache, part)
        parts.append(part[: len(texts) - first])
    vectors = np.vstack(parts) if parts else np.zeros((0, embedder.dimension), np.float32)
    return vectors, (embedded / seconds if embedded else None)


def add_distractors(store: IndexStore, texts: list[str], vectors: np.ndarray) -> None:
    rows = [
        ChunkRow(
            id=-1,
            doc_id=f"distractor-{i // 10}",
            ordinal=i % 10,
            section="noise",
            section_path="noise",
            start=0,
            end=len(t),
            text=t,
            embed_text=t,
            content_hash=str(i),
            tokens=tuple(tokenize(t)),
            updated="2025-01-01",
            language="zh" if i % 5 == 4 else "en",
            doc_type="distractor",
            system="general",
            entities=(),
        )
        for i, t in enumerate(texts)
    ]
    store.apply(IndexChanges(add=rows, add_vectors=vectors))


def load_questions(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        sys.exit(f"no labelled questions at {path}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def relevant_ids(store: IndexStore, labels: list[dict[str, str]]) -> set[int]:
    ids: set[int] = set()
    for label in labels:
        for row in store.metadata.doc_chunks(label["doc"]):
            if row.section.strip().lower() == label["section"].strip().lower():
                ids.add(row.id)
    return ids


def metrics(ranked: list[int], relevant: set[int]) -> dict[str, float]:
    gains = [1.0 if i in relevant else 0.0 for i in ranked[:10]]
    dcg = sum(g / math.log2(r + 2) for r, g in enumerate(gains))
    ideal = sum(1 / math.log2(r + 2) for r in range(min(len(relevant), 10)))
    first = next((r for r, i in enumerate(ranked[:10], start=1) if i in relevant), None)
    return {
        "recall5": len(relevant & set(ranked[:5])) / len(relevant),
        "recall10": len(relevant & set(ranked[:10])) / len(relevant),
        "ndcg10": dcg / ideal if ideal else 0.0,
        "mrr": 1 / first if first else 0.0,
    }


def ann_recall(store: IndexStore, queries: np.ndarray, settings: RagSettings) -> dict[str, float]:
    """Top-10 recall and p95 search time of an approximate index vs exact, same vectors."""
    ids = np.asarray(sorted(store.vectors.ids()), dtype=np.int64)
    vectors = store.vectors.reconstruct(ids.tolist())
    exact = VectorIndex.build(ids, vectors, ann_threshold=len(ids) + 1)
    started = time.perf_counter()
    ann = VectorIndex.build(
        ids,
        vectors,
        ann_threshold=0,
        ann_kind=settings.ann_kind,
        hnsw_m=settings.hnsw_m,
        nprobe=settings.ivf_nprobe,
        ef_search=settings.hnsw_ef_search,
    )
    build_s = time.perf_counter() - started
    hits, times, exact_times = 0, [], []
    for q in queries:
        t0 = time.perf_counter()
        truth = {i for i, _ in exact.search(q, 10)}
        t1 = time.perf_counter()
        found = {i for i, _ in ann.search(q, 10)}
        times.append(time.perf_counter() - t1)
        exact_times.append(t1 - t0)
        hits += len(truth & found)
    return {
        "recall10": hits / (10 * len(queries)),
        "ann_p95_ms": 1000 * float(np.percentile(times, 95)),
        "exact_p95_ms": 1000 * float(np.percentile(exact_times, 95)),
        "build_s": build_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--ann-kind", choices=["ivf", "hnsw"], default=None)
    parser.add_argument("--questions", type=Path, default=ROOT / "rag/eval/questions.jsonl")
    parser.add_argument("--repeat", type=int, default=3, help="latency passes over the questions")
    args = parser.parse_args()
    torch.set_num_threads(2)
    faiss.omp_set_num_threads(1)
    overrides = {"ann_kind": args.ann_kind} if args.ann_kind else {}
    settings = RagSettings(_env_file=None, **overrides)  # type: ignore[call-arg]
    questions = load_questions(args.questions)
    embedder = Embedder(settings.model, batch_size=settings.embed_batch_size)

    index_dir = RESULTS / f"index-{args.chunks}"
    shutil.rmtree(index_dir, ignore_errors=True)
    store = IndexStore.open(index_dir, embedder, settings)
    started = time.perf_counter()
    report = sync_documents(store, load_corpus(settings.corpus_dir))
    corpus_rate = report.chunks_embedded / (time.perf_counter() - started)
    print(
        f"corpus: {report.added} docs, {report.chunks_embedded} chunks, "
        f"{corpus_rate:.1f} chunks/s (embedding + indexing)",
        file=sys.stderr,
    )
    n_noise = max(0, args.chunks - len(store.vectors))
    texts = distractor_texts(n_noise)
    vectors, noise_rate = distractor_vectors(texts, embedder)
    started = time.perf_counter()
    add_distractors(store, texts, vectors)
    print(
        f"index: {len(store.vectors)} chunks, {store.vectors.kind}, distractors added in "
        f"{time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )

    retriever = HybridRetriever(store)
    per_mode: dict[str, dict[str, list[float]]] = {m: {} for m in MODES}
    for q in questions:
        relevant = relevant_ids(store, q["relevant"])  # type: ignore[arg-type]
        if not relevant:
            print(f"  {q['id']}: no chunk matches its labels", file=sys.stderr)
            continue
        for mode in MODES:
            ranked = [h.chunk.id for h in retriever.search(str(q["question"]), 10, mode=mode)]
            for name, value in metrics(ranked, relevant).items():
                per_mode[mode].setdefault(name, []).append(value)
    summary = {m: {k: statistics.fmean(v) for k, v in d.items()} for m, d in per_mode.items()}
    for mode, values in summary.items():
        print(
            f"{mode:>6}: " + "  ".join(f"{k} {v:.3f}" for k, v in values.items()), file=sys.stderr
        )

    latencies = []
    for _ in range(args.repeat):
        for q in questions:
            t0 = time.perf_counter()
            retriever.search(str(q["question"]), 10)
            latencies.append(1000 * (time.perf_counter() - t0))
    p50, p95 = float(np.percentile(latencies, 50)), float(np.percentile(latencies, 95))
    print(f"hybrid query end-to-end: p50 {p50:.1f} ms, p95 {p95:.1f} ms", file=sys.stderr)

    qvecs = embedder.encode([str(q["question"]) for q in questions])
    sample = (
        vectors[np.random.default_rng(0).choice(len(vectors), 200, replace=False)]
        if len(vectors) >= 200
        else vectors
    )
    ann = ann_recall(store, np.vstack([qvecs, sample]), settings)
    print(
        f"ANN ({settings.ann_kind}) vs exact: recall@10 {ann['recall10']:.4f}, search p95 "
        f"{ann['ann_p95_ms']:.2f} ms (exact {ann['exact_p95_ms']:.2f} ms), built in "
        f"{ann['build_s']:.1f}s",
        file=sys.stderr,
    )
    if noise_rate:
        print(f"distractor embedding: {noise_rate:.0f} short chunks/s", file=sys.stderr)
    store.close()
    print(
        json.dumps(
            {
                "chunks": args.chunks,
                "ndcg10": {m: round(summary[m]["ndcg10"], 4) for m in MODES},
                "recall10": {m: round(summary[m]["recall10"], 4) for m in MODES},
                "mrr": {m: round(summary[m]["mrr"], 4) for m in MODES},
                "query_p50_ms": round(p50, 2),
                "query_p95_ms": round(p95, 2),
                "ann_recall_vs_exact": round(ann["recall10"], 4),
                "embed_chunks_per_s": round(corpus_rate, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
