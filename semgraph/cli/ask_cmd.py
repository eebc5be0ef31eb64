"""``semgraph ask "question"``: grounded context (and an answer when a local LLM is set)."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from semgraph.cli.rag_graph import open_graph_source
from semgraph.config import get_settings
from semgraph.exceptions import ConfigurationError
from semgraph.ontology.graph_loader import default_files
from semgraph.ontology.model import Ontology
from semgraph.rag.answer import CONFIGURE_HINT, generate_answer
from semgraph.rag.context import grounded_context
from semgraph.rag.graph_expansion import Neo4jGraphExpander
from semgraph.rag.index_store import open_index
from semgraph.rag.masking import redaction_for
from semgraph.rag.retriever import HybridRetriever
from semgraph.rag.settings import RagSettings
from semgraph.rag.types import RetrievalMode, SearchFilters

# Own console: the RAG commands must work without the Neo4j container (cli.common).
out = Console()


def ask(
    question: str = typer.Argument(..., help="The question, in English or Chinese."),
    k: int = typer.Option(5, "--k", min=1, max=50, help="Passages to return."),
    doc_type: list[str] = typer.Option([], "--type", help="Document type filter (repeatable)."),
    lang: list[str] = typer.Option([], "--lang", help="Language filter: en or zh."),
    system: list[str] = typer.Option([], "--system", help="Source system filter."),
    entity: list[str] = typer.Option([], "--entity", help="Entity IRI filter."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid, bm25 or vector."),
    as_json: bool = typer.Option(False, "--json", help="Print the context as JSON."),
    answer: bool = typer.Option(False, "--answer", help="Also ask the local LLM (if set)."),
    role: str = typer.Option(
        "analyst", "--role", help="Caller's role: decides which sensitive values are masked."
    ),
    graph: bool = typer.Option(
        True, "--graph/--no-graph", help="Add Neo4j facts about the linked entities."
    ),
) -> None:
    """Show the numbered passages, graph facts, sources and confidence that ground an answer."""
    settings = RagSettings()
    filters = SearchFilters(doc_types=doc_type, languages=lang, systems=system, entities=entity)
    source = open_graph_source(out, "graph facts") if graph else None
    try:
        ontology = source.ontology if source else _ontology()
        redaction = redaction_for(ontology, role)  # raises for an unknown role
        expander = (
            Neo4jGraphExpander(source.driver, source.database, ontology, role=role)
            if source
            else None
        )
        store = open_index(settings)
        try:
            retriever = HybridRetriever(store, mode=_mode(mode))
            context = grounded_context(
                question, filters, k, retriever=retriever, expander=expander, redaction=redaction
            )
        finally:
            store.close()
    finally:
        if source:
            source.close()
    if as_json:
        typer.echo(json.dumps(context.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        out.print(context.context_text, highlight=False, markup=False)
        out.print()
        ev = context.evidence
        window = f"{ev.time_window.start} – {ev.time_window.end}"
        out.print(f"[bold]sources[/] (mode {ev.retrieval_mode}, model {ev.model}):")
        for line, score in zip(ev.sources, ev.scores, strict=True):
            out.print(f"  {line}  score {score:.4f}", highlight=False, markup=False)
        out.print(f"[bold]time window[/] {window}   [bold]confidence[/] {ev.confidence:.2f}")
    if answer:
        if not settings.llm_url:
            raise ConfigurationError("no local answer model is configured", hint=CONFIGURE_HINT)
        result = generate_answer(context, settings, redaction=redaction)
        out.print(f"\n[bold]answer[/] ({result.model}):\n{result.answer}")


def _ontology() -> Ontology:
    return Ontology.load(default_files(get_settings().ontology_dir))


def _mode(value: str) -> RetrievalMode:
    if value == "bm25":
        return "bm25"
    if value == "vector":
        return "vector"
    return "hybrid"
