"""Labels, relationship types and property names that reach Cypher text.

Values always travel as parameters; names cannot, so every name interpolated into a
query passes through ``ident`` first: it must be a plain identifier, and it is quoted.
"""

from __future__ import annotations

import re

from semgraph.exceptions import InvalidInputError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def ident(name: str) -> str:
    """``name`` back-quoted for Cypher, after checking it is a plain identifier.

    Raises:
        InvalidInputError: the name has characters that could change the query.
    """
    if not _IDENT.fullmatch(name):
        raise InvalidInputError(
            f"`{name}` is not a valid label, relationship type or property name",
            hint="names are letters, digits and underscores, starting with a letter",
        )
    return f"`{name}`"


KEEP_PLAN = "CYPHER replan=skip\n"
"""Prefix for the write path's statements. They all start from unique-constraint lookups
(``iri``, ``id``; with ``by_iri`` hints where the pattern goes on), so their plans do not
depend on statistics; without it Neo4j replans a statement whenever label counts drift
(the change log grows with every change), which put 100–400 ms planning stalls into
single changes."""


def by_iri(*names: str) -> str:
    """Hints after ``MATCH (name:Resource {iri: …})``: seek each named node in the iri
    index. Without them the planner also weighs a scan of the whole iri index joined to
    the batch, whenever the pattern goes on from the node (a class test, a relationship),
    and it took that scan when it first planned a statement on a small graph: for most
    neighbourhood reads (95 ms a call instead of 8), and for the sync's foreign-key lookup
    after the master tables (a whole-index scan per row: the bench's second run at 20,000
    records took 58.7 s instead of about 6). ``KEEP_PLAN`` then keeps the plan for the life of the
    process. ``USING INDEX`` alone still allows the scan. On a database without the index
    (semgraph never made its schema there) Neo4j ignores the hint and plans as before."""
    return " ".join(f"USING INDEX SEEK {name}:Resource(iri)" for name in names)
