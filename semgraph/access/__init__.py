"""Who may write what: rights per role from ``ontology/access.ttl`` (see ``rights``)."""

from semgraph.access.rights import WriteRights

__all__ = ["WriteRights"]
