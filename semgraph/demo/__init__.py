"""Demo data: a deterministic, consistent multi-system dataset and its bulk loader.

``load_demo(driver, ontology, database, entities, seed)`` is the entry point; see
``semgraph.demo.generator`` for what the data holds and which conflicts are seeded.
"""

from semgraph.demo.generator import CONFLICTS, DemoSize, conflict_count, generate, size_demo
from semgraph.demo.loader import LoadSummary, count_business_entities, load_demo

__all__ = [
    "CONFLICTS",
    "DemoSize",
    "LoadSummary",
    "conflict_count",
    "count_business_entities",
    "generate",
    "load_demo",
    "size_demo",
]
