"""The Neo4j Browser view of an alert: the changed entity, the rule and the impact path.

The query is self-contained (the alert id is inlined, it is a hex uuid), so it can travel
in a URL: ``…/browser/?cmd=edit&arg=<query>`` opens it in the Browser's editor, ready to
run. Paths are walked only over the ontology's impact relationships, so the drawing
follows the business path (SLA → contract → obligation → revenue schedule), not a
shortcut through the alert node itself.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from semgraph.graph.identifiers import ident
from semgraph.ontology.model import Ontology

_ALERT_ID = re.compile(r"^[0-9a-f]{32}$")


def impact_view_query(alert_id: str, ontology: Ontology) -> str:
    """Cypher that draws one alert with its change, rule, focus entity and impact paths."""
    if not _ALERT_ID.match(alert_id):
        raise ValueError(f"not an alert id: {alert_id!r}")
    walk = "|".join(ident(t) for t in sorted({e.rel_type for e in ontology.impact_edges()}))
    return (
        f'MATCH (a:RiskAlert {{id: "{alert_id}"}})-[about:ABOUT]->(focus)\n'
        "MATCH (a)-[fired:FIRED_RULE]->(rule:Rule)\n"
        "OPTIONAL MATCH (a)-[raised:RAISED_BY]->(change:ChangeEvent)\n"
        "OPTIONAL MATCH (a)-[:ON_PATH]->(impacted) WHERE impacted <> focus\n"
        f"OPTIONAL MATCH path = shortestPath((focus)-[:{walk}*..5]-(impacted))\n"
        "RETURN a, about, focus, fired, rule, raised, change, collect(path) AS impactPaths"
    )


def browser_url(base_url: str, query: str) -> str:
    """A Browser link that opens ``query`` in the editor (``base_url`` ends in /browser/)."""
    return base_url.rstrip("/") + "/?cmd=edit&arg=" + quote(query, safe="")
