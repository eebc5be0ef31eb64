"""The service layer: what semgraph does, in calls that ``api/`` and ``cli/`` translate to.

- ``ChangeService`` — propose / apply change sets, violations, impact, audit trail;
- ``ImportService`` — RDF files in, as change sets through the same pipeline;
- ``AlertInbox`` — a caller's risk alerts: list, get, acknowledge, resolve;
- ``ContextService`` — grounded context (RAG passages + graph facts) for a role.

``semgraph.bootstrap.Container`` builds each once; a new writer (a source-system sync, a
master-data merge) is a new service beside these that hands ``ChangeService`` its sets.
"""

from semgraph.services.alerts import AlertInbox, AlertReader
from semgraph.services.changes import ChangeGuard, ChangeService, ViolationPage
from semgraph.services.context import ContextService

__all__ = [
    "AlertInbox",
    "AlertReader",
    "ChangeGuard",
    "ChangeService",
    "ContextService",
    "ViolationPage",
]
