"""``semgraph index build|update|status|rebuild``: the RAG index over ``rag/corpus``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from semgraph.rag.documents import load_corpus
from semgraph.rag.index_store import IndexStore, open_index
from semgraph.rag.indexer import SyncReport, sync_documents
from semgraph.rag.settings import RagSettings

# Own console: the RAG commands must work without the Neo4j container (cli.common).
out = Console()

app = typer.Typer(
    help="Build and maintain the RAG index (SEMGRAPH_RAG_INDEX_DIR, SEMGRAPH_RAG_MODEL).",
    no_args_is_help=True,
)

CorpusOption = typer.Option(None, "--corpus", help="Corpus folder; default rag/corpus.")


def _sync(settings: RagSettings, corpus: Path | None) -> None:
    documents = list(load_corpus(corpus or settings.corpus_dir))
    store = open_index(settings)
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

            report = sync_documents(store, documents, progress=progress)
        _print_report(report)
    finally:
        store.close()


def _print_report(r: SyncReport) -> None:
    out.print(
        f"documents: {r.added} added, {r.updated} updated, {r.deleted} deleted, "
        f"{r.unchanged} unchanged; chunks: {r.chunks_embedded} embedded, "
        f"{r.chunks_reused} reused, {r.chunks_removed} removed"
    )


@app.command("build")
def build(corpus: Path | None = CorpusOption) -> None:
    """Index the corpus (creates the index; same as update when one exists)."""
    _sync(RagSettings(), corpus)


@app.command("update")
def update(corpus: Path | None = CorpusOption) -> None:
    """Index new and changed documents, drop deleted ones; unchanged chunks keep vectors."""
    _sync(RagSettings(), corpus)


@app.command("rebuild")
def rebuild(corpus: Path | None = CorpusOption) -> None:
    """Delete the index and embed everything again (after changing the model)."""
    settings = RagSettings()
    IndexStore.destroy(settings.index_dir)
    _sync(settings, corpus)


@app.command("status")
def status() -> None:
    """Counts, model, index type, disk size and time of the last update."""
    settings = RagSettings()
    if not (settings.index_dir / "metadata.sqlite").exists():
        out.print(f"no index at {settings.index_dir}; run `semgraph index build`")
        raise typer.Exit(1)
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
