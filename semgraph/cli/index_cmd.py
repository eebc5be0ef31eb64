"""``semgraph index build|update|status|rebuild``: the RAG index over ``rag/corpus``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from semgraph.cli.rag_graph import open_graph_source
from semgraph.rag.documents import load_corpus
from semgraph.rag.entity_cards import CARD_TYPE, sync_entity_cards
from semgraph.rag.index_store import IndexStore, open_index
from semgraph.rag.indexer import SyncReport, remove_documents, sync_documents
from semgraph.rag.settings import RagSettings

# Own console: the RAG commands must work without the Neo4j container (cli.common).
out = Console()

app = typer.Typer(
    help="Build and maintain the RAG index (SEMGRAPH_RAG_INDEX_DIR, SEMGRAPH_RAG_MODEL).",
    no_args_is_help=True,
)

CorpusOption = typer.Option(None, "--corpus", help="Corpus folder; default rag/corpus.")
CardsOption = typer.Option(
    True, "--cards/--no-cards", help="Also index entity cards from Neo4j (when it answers)."
)


def _sync(settings: RagSettings, corpus: Path | None, cards: bool = True) -> None:
    documents = list(load_corpus(corpus or settings.corpus_dir))
    store = open_index(settings, create=True)
    try:
        if store.repair_report.repaired:
            out.print(f"[yellow]repaired an interrupted update[/]: {store.repair_report}")
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=out,
        ) as bar:
            task = bar.add_task("embedding chunks", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            # Entity cards are not in the corpus: keep them, drop only vanished corpus files.
            report = sync_documents(store, documents, delete_missing=False, progress=progress)
            known = {d.id for d in documents}
            gone = [
                doc_id
                for doc_id, row in store.documents.items()
                if row.doc_type != CARD_TYPE and doc_id not in known
            ]
            removed = remove_documents(store, gone)
        _print_report(report, removed.deleted, removed.chunks_removed)
        if cards:
            _sync_cards(store)
    finally:
        store.close()


def _sync_cards(store: IndexStore) -> None:
    graph = open_graph_source(out, "entity cards")
    if graph is None:
        return
    try:
        with out.status("entity cards from Neo4j"):
            report = sync_entity_cards(graph.driver, graph.ontology, store, graph.database)
        out.print("[bold]entity cards[/]")
        _print_report(report)
    finally:
        graph.close()


def _print_report(r: SyncReport, deleted: int = 0, chunks_removed: int = 0) -> None:
    out.print(
        f"documents: {r.added} added, {r.updated} updated, {r.deleted + deleted} deleted, "
        f"{r.unchanged} unchanged; chunks: {r.chunks_embedded} embedded, "
        f"{r.chunks_reused} reused, {r.chunks_removed + chunks_removed} removed"
    )


@app.command("build")
def build(corpus: Path | None = CorpusOption, cards: bool = CardsOption) -> None:
    """Index the corpus and entity cards (creates the index; same as update when one exists)."""
    _sync(RagSettings(), corpus, cards)


@app.command("update")
def update(corpus: Path | None = CorpusOption, cards: bool = CardsOption) -> None:
    """Index new and changed documents and cards, drop deleted ones; unchanged chunks keep
    their vectors."""
    _sync(RagSettings(), corpus, cards)


@app.command("rebuild")
def rebuild(corpus: Path | None = CorpusOption, cards: bool = CardsOption) -> None:
    """Delete the index and embed everything again (after changing the model)."""
    settings = RagSettings()
    IndexStore.destroy(settings.index_dir)
    _sync(settings, corpus, cards)


@app.command("status")
def status() -> None:
    """Counts, model, index type, disk size and time of the last update."""
    settings = RagSettings()
    store = open_index(settings)
    try:
        docs, chunks = store.metadata.counts()
        table = Table(show_header=False, box=None)
        rows = [
            ("index", str(settings.index_dir)),
            ("documents", str(docs)),
            ("chunks", str(chunks)),
            ("vectors", f"{len(store.vectors)} × {store.vectors.dim}"),
            ("index type", store.vectors.kind + f" (approximate above {settings.ann_threshold})"),
            ("model", f"{store.embedder.name} ({store.embedder.model_path})"),
            ("disk", f"{store.disk_bytes() / 1e6:.1f} MB"),
            ("last update", store.metadata.get_meta("last_update") or "never"),
            ("consistent", "repaired on open" if store.repair_report.repaired else "yes"),
            ("checked", dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        ]
        for key, value in rows:
            table.add_row(f"[bold]{key}[/]", value)
        out.print(table)
    finally:
        store.close()
