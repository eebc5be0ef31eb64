"""``semgraph ask "question"``: grounded context (and an answer when a local LLM is set)."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from semgraph.cli.common import container
from semgraph.exceptions import ConfigurationError
from semgraph.rag.answer import CONFIGURE_HINT, generate_answer
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
    filters = SearchFilters(doc_types=doc_type, languages=lang, systems=system, entities=entity)
    c = container()
    try:
        if graph and (problem := c.neo4j_problem()) is not None:
            out.print(f"[yellow]Neo4j not used[/] (graph facts skipped): {problem}")
            graph = False
        context = c.context.grounded(question, role, filters, k, mode=_mode(mode), graph=graph)
        redaction = c.context.redaction(role)
    finally:
        c.close()
    settings = c.settings.rag
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


def _mode(value: str) -> RetrievalMode:
    if value == "bm25":
        return "bm25"
    if value == "vector":
        return "vector"
    return "hybrid"
