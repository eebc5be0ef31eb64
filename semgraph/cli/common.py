"""Shared pieces of the CLI: the console and the container for the configured instance."""

from __future__ import annotations

from rich.console import Console

from semgraph.bootstrap import Container
from semgraph.config import get_settings

out = Console()


def container() -> Container:
    """A container for the instance named by the SEMGRAPH_* settings."""
    return Container(get_settings())
