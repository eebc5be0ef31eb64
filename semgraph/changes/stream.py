"""``ChangeStream``: committed changes as a live feed (GraphQL ``changes``; see
``semgraph.live``). It is one of the pipeline's event handlers; the audit trail is the
durable record."""

from __future__ import annotations

from semgraph.changes.events import ChangeCommitted
from semgraph.live import Broadcast, Subscription


class ChangeStream(Broadcast[ChangeCommitted]):
    """Fan-out of ``ChangeCommitted`` events to async subscribers, by entity class."""

    def publish(self, event: object) -> int:
        """Hand a ``ChangeCommitted`` to every interested subscriber (other events: ignored)."""
        if not isinstance(event, ChangeCommitted):
            return 0
        return super().publish(event)

    def subscribe(  # type: ignore[override]
        self, entity_type: str | None = None
    ) -> Subscription[ChangeCommitted]:
        """Commits that touched an entity of class ``entity_type`` (None: all).

        Raises:
            RuntimeError: no running event loop.
        """

        def wants(event: ChangeCommitted) -> bool:
            return entity_type is None or any(cls == entity_type for _, cls, _ in event.touched)

        return super().subscribe(wants)
