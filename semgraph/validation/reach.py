"""Which focus nodes a change can affect, and which neighbourhood each one needs.

From the shapes: every shape targets a class and reads a set of relationship paths from
its focus node (``sh:path`` of its property shapes, ``sgm:reads`` of its SPARQL
constraints). A changed entity ``e`` can change the verdict of a focus node ``f`` only if
``f`` is of a target class and ``e`` lies on one of that class's paths from ``f`` — so
walking each path prefix *backwards* from ``e`` finds every focus node to re-validate,
and walking the paths *forwards* from ``f`` reads everything its shapes can see.

Transition shapes (those that only fire on the change itself, e.g. "an SLA whose credit
terms this change raised") declare ``sgm:triggers``: the changes that can move their
verdict, ``$this`` and/or some of their read paths. A class whose shapes all declare
triggers is reached backwards only along those, so a stock count does not re-validate
every order line of the product when only the line's own change could make it fail.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cached_property

from semgraph.graph.identifiers import by_iri, ident
from semgraph.ontology.model import Ontology
from semgraph.validation.paths import Path, Step, parse_path, prefixes
from semgraph.vocabulary import THIS


def _backwards(start: str, path: Path, target: str) -> str:
    """Cypher pattern from node ``start`` back along ``path`` to a ``target`` node ``f``."""
    pattern = f"({start})"
    for i, step in enumerate(reversed(path)):
        node = f"(f:{ident(target)})" if i == len(path) - 1 else "()"
        # walking backwards: a forward step is followed against its direction
        arrow = f"-[:{ident(step.rel)}]->" if step.inverse else f"<-[:{ident(step.rel)}]-"
        pattern += arrow + node
    return pattern


class ShapeReach:
    """Paths per target class, and the Cypher that walks them (built once per shape set)."""

    def __init__(
        self,
        ontology: Ontology,
        reads_by_class: Mapping[str, Iterable[str]],
        triggers_by_class: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """``triggers_by_class``: per class, where a change can move a verdict —
        ``"$this"`` and read paths (with their prefixes). Defaults to every read path and
        ``"$this"`` for every class (what a state shape needs)."""
        self.ontology = ontology
        rels = ontology.relationship_types()
        self.paths: dict[str, set[Path]] = {
            cls: prefixes({p for text in texts if (p := parse_path(text, rels))})
            for cls, texts in reads_by_class.items()
        }
        if triggers_by_class is None:
            triggers_by_class = {cls: {THIS, *texts} for cls, texts in reads_by_class.items()}
        self.trigger_paths: dict[str, set[Path]] = {}
        self.self_triggered: set[str] = set()
        for cls, texts in triggers_by_class.items():
            listed = set(texts)
            self.trigger_paths[cls] = prefixes(
                {p for text in listed - {THIS} if (p := parse_path(text, rels))}
            )
            if THIS in listed:
                self.self_triggered.add(cls)

    @property
    def target_classes(self) -> set[str]:
        return set(self.paths)

    def _classes_at(self, step: Step) -> set[str]:
        """Classes a node reached by ``step`` can have (for pruning backward walks)."""
        prop = self.ontology.object_property(step.rel)
        names = (prop.domains or (prop.domain,)) if step.inverse else (prop.ranges or (prop.range,))
        out: set[str] = set()
        for name in names:
            if self.ontology.cls(name).abstract:
                out |= {c.name for c in self.ontology.concrete_classes()}
            else:
                out.add(name)
        return out

    def _table(self, paths_by_class: Mapping[str, set[Path]]) -> dict[str, list[tuple[str, Path]]]:
        """For a changed class: (target class, path prefix ending at a node of that class)."""
        table: dict[str, set[tuple[str, Path]]] = defaultdict(set)
        for target, paths in paths_by_class.items():
            for path in paths:
                for changed in self._classes_at(path[-1]):
                    table[changed].add((target, path))
        return {cls: sorted(entries, key=str) for cls, entries in table.items()}

    @cached_property
    def _backward(self) -> dict[str, list[tuple[str, Path]]]:
        return self._table(self.trigger_paths)

    @cached_property
    def _backward_all(self) -> dict[str, list[tuple[str, Path]]]:
        return self._table(self.paths)

    def focus_query(
        self, changed_cls: str, deleted: bool = False, param: str = "iris", columns: str = ""
    ) -> str | None:
        """Cypher: ``$iris`` of changed ``changed_cls`` entities → affected focus nodes.

        A deleted entity takes its edges with it, so every shape that reads it is
        re-checked (``deleted``); other changes follow the shapes' triggers. ``param``
        names the parameter and ``columns`` (``, x AS y``) are returned after ``iri`` and
        ``labels``, so several of these and other queries can be
        joined with ``UNION ALL`` into one round trip.
        """
        entries = (self._backward_all if deleted else self._backward).get(changed_cls, [])
        branches = []
        for target, path in entries:
            branches.append(f"MATCH {_backwards('e', path, target)} RETURN f")
        if changed_cls in self.self_triggered and not deleted:
            branches.append("WITH e AS f WHERE f:" + ident(changed_cls) + " RETURN f")
        if not branches:
            return None
        body = "\n  UNION\n  ".join(branches)
        return (
            f"UNWIND ${param} AS iri MATCH (e:Resource {{iri: iri}}) {by_iri('e')}\n"
            f"CALL (e) {{\n  {body}\n}}\n"
            "RETURN DISTINCT f.iri AS iri, "
            f"[l IN labels(f) WHERE l <> 'Resource'] AS labels{columns}"
        )

    def edge_focus_query(self, rel: str, param: str = "edges", columns: str = "") -> str | None:
        """Cypher: ``$edges`` (``[from_iri, to_iri]`` of ``rel`` edges a change adds or
        removes) → the focus nodes with a trigger path that crosses one of them.

        An edge changes nothing on its target: a focus node ``f`` can see it only on a
        path ``P·rel`` with ``f -P-> from``, or ``P·^rel`` with ``f -P-> to``. So an order
        line linked to its order re-checks the line (its own change) and whatever reads
        the order's incoming lines, not every other line and shape of the order. ``param``
        and ``columns`` as in ``focus_query``.
        """
        branches = []
        for target, paths in sorted(self.trigger_paths.items()):
            for path in sorted(paths, key=str):
                if path[-1].rel != rel:
                    continue
                start, prefix = ("b" if path[-1].inverse else "a"), path[:-1]
                if not prefix:
                    branches.append(f"WITH {start} AS f WHERE f:{ident(target)} RETURN f")
                    continue
                branches.append(f"MATCH {_backwards(start, prefix, target)} RETURN f")
        if not branches:
            return None
        body = "\n  UNION\n  ".join(branches)
        return (
            f"UNWIND ${param} AS edge "
            "MATCH (a:Resource {iri: edge[0]}), (b:Resource {iri: edge[1]}) "
            f"{by_iri('a', 'b')}\n"
            f"CALL (a, b) {{\n  {body}\n}}\n"
            "RETURN DISTINCT f.iri AS iri, "
            f"[l IN labels(f) WHERE l <> 'Resource'] AS labels{columns}"
        )

    def neighbourhood_query(self, target_cls: str, param: str = "iris") -> str:
        """Cypher: ``$iris`` (or ``$param``) of focus nodes → the iris of the nodes and the
        edges their shapes read (``neighbourhood.NODES`` reads each node once after)."""
        branches = ["RETURN f AS n, null AS r"]
        for path in sorted(self.paths.get(target_cls, set()), key=str):
            pattern = "(f)"
            for i, step in enumerate(path):
                rel = f"[r{i}:{ident(step.rel)}]"
                pattern += f"<-{rel}-(n{i})" if step.inverse else f"-{rel}->(n{i})"
            last = len(path) - 1
            branches.append(f"MATCH {pattern} RETURN n{last} AS n, r{last} AS r")
        body = "\n  UNION\n  ".join(branches)
        return (
            f"UNWIND ${param} AS iri MATCH (f:Resource {{iri: iri}}) {by_iri('f')} "
            f"WHERE f:{ident(target_cls)}\n"
            f"CALL (f) {{\n  {body}\n}}\n"
            "RETURN DISTINCT n.iri AS iri, CASE WHEN r IS NULL THEN null ELSE "
            "[startNode(r).iri, type(r), endNode(r).iri] END AS edge"
        )
