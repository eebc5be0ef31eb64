"""Work pySHACL does on every validation that a change's validation does not need.

A change's validation runs pySHACL on a few dozen triples, where pySHACL's fixed per-run
work costs more than the checking itself. The tunings return exactly what pySHACL would
have computed (same values, same order, same errors), and only for the shapes graphs
semgraph owns: ``own(validator.shacl_graph)`` marks one (``ShapeEngine`` does, for each
validator it builds). Any other pySHACL run in the process takes pySHACL's own code path:
its constraint components are built anew on each run and its SPARQL texts are checked on
every focus node, as pySHACL does. The one process-wide trace is the parameter list whose
``in`` is a set lookup (same members, same order, same answers).

``apply_pyshacl()`` (idempotent) installs the dispatch; ``ShapeEngine`` calls it when
semgraph builds its validators, not at import. Each tuning is skipped, leaving pySHACL as
it is, when the installed version no longer has what it relies on. semgraph's own SPARQL
gets rdflib tunings per query (``sparql_tuning``); rdflib is never patched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

_applied: set[str] = set()
_OWNED = "_semgraph_tuned"  # set in a pySHACL ShapesGraph's __dict__ by ``own``
PASSED_TEXTS: set[tuple[str, bool, frozenset[str]]] = set()
"""SPARQL texts of semgraph's shapes that passed pySHACL's forbidden-clause check."""


def apply_pyshacl() -> None:
    """Install the pySHACL tunings' dispatch (once per process)."""
    if "pyshacl" in _applied:
        return
    _applied.add("pyshacl")
    _constraint_lookup_by_set()
    _constraint_components_built_once()
    _sparql_checks_once_per_text()


def own(shapes_graph: Any) -> None:
    """Let the tunings apply to the validations of this pySHACL ``ShapesGraph``."""
    shapes_graph.__dict__[_OWNED] = True


def owned(shapes_graph: Any) -> bool:
    """Whether ``own`` marked this ``ShapesGraph``."""
    return bool(getattr(shapes_graph, "__dict__", {}).get(_OWNED, False))


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


def _constraint_components_built_once() -> None:
    """pySHACL (0.40) builds every constraint component of a shape anew on each
    validation, reading its parameters from the shapes graph again (SPARQL constraints
    also collect their prefixes): ~12 % of a change's validation. A component holds only
    what it read from its shape and the shapes graph, and no component changes its own
    state while it evaluates, so one built per shape gives the same verdicts; it lives as
    long as the shape (pySHACL's own shapes cache). A component that refuses to load is
    not kept, and refuses again on the next run, as before."""
    import pyshacl.shape as shape_module
    from pyshacl.constraints.constraint_component import ConstraintComponent

    params = getattr(shape_module, "CONSTRAINT_PARAMS", None)  # seeded just before
    if not (isinstance(params, tuple) and len(params) == 2 and isinstance(params[1], dict)):
        return
    members, mapping = params
    if not all(
        isinstance(c, type) and issubclass(c, ConstraintComponent) for c in mapping.values()
    ):
        return  # already wrapped, or not what this relies on
    built = {cls: _BuiltOncePerShape(cls) for cls in set(mapping.values())}
    shape_module.CONSTRAINT_PARAMS = (members, {p: built[c] for p, c in mapping.items()})  # type: ignore[attr-defined]


class _BuiltOncePerShape:
    """Stands in for a constraint component class in pySHACL's parameter map: calling it
    with a shape returns that shape's component, built on the first call. One per class,
    so pySHACL's "this component is done" check still sees one thing per class. The
    components are kept on the shape's shapes graph (a shape has no room of its own),
    with the shape, so they go when it goes."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def __call__(self, shape: Any) -> Any:
        if not owned(shape.sg):
            return self.cls(shape)  # someone else's shapes: pySHACL's own behaviour
        # Keyed by the shape's id; the entry holds the shape, so the id stays its own.
        built: dict[tuple[int, type], tuple[Any, Any]] = shape.sg.__dict__.setdefault(
            "_semgraph_components", {}
        )
        key = (id(shape), self.cls)
        if key not in built:
            built[key] = (shape, self.cls(shape))
        return built[key][1]

    def __getattr__(self, name: str) -> Any:  # class attributes and class methods
        return getattr(self.cls, name)


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
    passed = PASSED_TEXTS

    @wraps(check)
    def check_once(
        self: Any, sparql_text: str, valuenode: Any = None, extravars: Any = None
    ) -> Any:
        shape = getattr(self, "shape", None)
        if shape is None or not owned(getattr(shape, "sg", None)):
            return check(self, sparql_text, valuenode=valuenode, extravars=extravars)
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key in passed:
            return True
        verdict = check(self, sparql_text, valuenode=valuenode, extravars=extravars)
        if len(passed) < 10_000:  # bounded: shape texts, not data, are the keys
            passed.add(key)
        return verdict

    check_once._semgraph_once = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = check_once  # type: ignore[method-assign]
