"""Two answers pySHACL recomputes on every validation, computed once instead.

A change's validation runs pySHACL on a few dozen triples, where pySHACL's fixed
per-run work costs more than the checking itself. Each tuning below returns exactly what
pySHACL would have computed (same values, same order, same errors) and is skipped,
leaving pySHACL as it is, when the pySHACL version no longer has what it relies on.
``apply()`` is idempotent; ``semgraph.validation.engine`` calls it on import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

_applied = False


def apply() -> None:
    """Install the tunings (once per process)."""
    global _applied
    if _applied:
        return
    _applied = True
    _constraint_lookup_by_set()
    _sparql_checks_once_per_text()


def _constraint_lookup_by_set() -> None:
    """pySHACL (0.40) checks every predicate of every shape against a *list* of ~30
    constraint parameters on each validation — on a change's small graph about a fifth of
    the time pySHACL takes. It caches that list in ``pyshacl.shape.CONSTRAINT_PARAMS`` on
    first use; seeding the cache with the same list, answering ``in`` from a set, gives the
    same answers in the same order (the shape's predicates drive the iteration), faster."""
    import pyshacl.shape as shape_module
    from pyshacl import constraints

    mapping = getattr(constraints, "CONSTRAINT_PARAMETERS_MAP", None)
    if isinstance(mapping, dict) and not hasattr(shape_module, "CONSTRAINT_PARAMS"):
        shape_module.CONSTRAINT_PARAMS = (_Members(mapping), mapping)  # type: ignore[attr-defined]


class _Members(list[Any]):
    """A list whose ``in`` is a set lookup (copies are plain lists)."""

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members


def _sparql_checks_once_per_text() -> None:
    """Before each run of a SPARQL constraint, for each focus node, pySHACL (0.40) checks
    the query text for forbidden clauses (MINUS, VALUES, SERVICE, rebinding ``$this``)
    with backtracking regular expressions: ~15 % of a change's validation. The verdict
    depends only on the text and on which variables may be pre-bound, so a text that
    passed once passes again; a text that fails is checked (and raises) every time."""
    try:
        from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
    except ImportError:
        return
    check: Callable[..., Any] | None = getattr(SPARQLQueryHelper, "check_invalid_sparql", None)
    if check is None or getattr(check, "_semgraph_once", False):
        return
    passed: set[tuple[str, bool, frozenset[str]]] = set()

    @wraps(check)
    def check_once(
        self: Any, sparql_text: str, valuenode: Any = None, extravars: Any = None
    ) -> Any:
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key in passed:
            return True
        verdict = check(self, sparql_text, valuenode=valuenode, extravars=extravars)
        if len(passed) < 10_000:  # bounded: shape texts, not data, are the keys
            passed.add(key)
        return verdict

    check_once._semgraph_once = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = check_once  # type: ignore[method-assign]
