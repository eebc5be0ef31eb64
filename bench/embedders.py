"""Query latency and passage throughput of the embedding backends, one thread each.

    .venv/bin/python bench/embedders.py [--backends numpy sentence-transformers]

Queries: the first 120 questions of rag/eval, one at a time (p50/p95 of ``encode_queries``).
Passages: the first 128 chunks of rag/corpus (their full embedded text), batch 64.
Prints one JSON line per backend, with the 1-minute load average at its end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from semgraph.rag.chunking import chunk_document  # noqa: E402
from semgraph.rag.documents import load_corpus  # noqa: E402
from semgraph.rag.embeddings import Embedder  # noqa: E402


def measure(backend: str, questions: list[str], passages: list[str]) -> dict[str, object]:
    embedder = Embedder(backend=backend, threads=1, batch_size=64)  # type: ignore[arg-type]
    embedder.encode(passages[:8])  # load and warm
    latencies = []
    for q in questions:
        started = time.perf_counter()
        embedder.encode_queries([q])
        latencies.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    embedder.encode(passages)
    rate = len(passages) / (time.perf_counter() - started)
    p50, p95 = np.percentile(latencies, [50, 95])
    return {
        "backend": backend,
        "query_p50_ms": round(float(p50), 1),
        "query_p95_ms": round(float(p95), 1),
        "passages_per_s": round(rate, 1),
        "queries": len(questions),
        "passages": len(passages),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["numpy", "sentence-transformers"])
    args = parser.parse_args()
    lines = (ROOT / "rag/eval/questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines[:120]]
    chunks = [c for d in load_corpus(ROOT / "rag/corpus") for c in chunk_document(d)]
    passages = [c.embed_text for c in chunks[:128]]
    for backend in args.backends:
        print(json.dumps(measure(backend, questions, passages)), flush=True)


if __name__ == "__main__":
    main()
