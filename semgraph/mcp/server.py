"""``build_mcp_server``: semgraph's MCP tools and ontology resources.

Tools (each runs as the caller, through ``GraphQLGateway``):

- ``grounded_context(question, k)``: passages with numbered citations, graph facts and a
  ready context block, masked for the caller's role;
- ``lookup_entity(entity_type, id, neighbours)``: an entity's fields and the ids of the
  entities it is linked to;
- ``entity_impact(entity_type, id)``: what a change to it would impact;
- ``propose_change(operations, reason)``: a dry run through the change pipeline; the rule
  results and impact, nothing written;
- ``open_alerts()``: open risk alerts routed to the caller.

Resources: ``semgraph://ontology/classes`` (every class with its fields, which are
sensitive, and its relations) and ``semgraph://ontology/class/{name}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError

from semgraph import __version__
from semgraph.api.graphql.auth import Caller
from semgraph.exceptions import SemgraphError, UnknownTermError
from semgraph.mcp.gateway import GraphQLGateway, ToolError
from semgraph.reads.model import EntityType

CallerOf = Callable[[Context], Caller]
"""Who is calling in this MCP request (raises ``AuthenticationError`` when nobody)."""

MAX_NEIGHBOURS = 50

_CONTEXT = """query($q: String!, $k: Int!) { groundedContext(question: $q, k: $k) {
  passages { citation docId title section text score updated language entities }
  facts { entityIri label predicate value targetIri citations }
  contextText
  evidence { sources confidence confidenceBasis retrievalMode model } } }"""
_IMPACT = """query($t: String!, $id: ID!) { impact(entityType: $t, id: $id) {
  iri class via depth path } }"""
_PROPOSE = """mutation($c: ChangeInput!) { proposeChange(change: $c) {
  changeId committed conforms
  results { focusNode path value shape severity messageEn messageZh riskLevel accountingRef
            notifyRole recommendedReview preExisting masked }
  violations { shape messageEn }
  impact { iri class via depth path }
  touched { op class iri } } }"""
_ALERTS = """query { riskAlerts(status: "open") { id status severity riskLevel ruleName
  focusIri focusClass titleEn messageEn messageZh masked accountingRef recommendedReview
  count openedAt impactPath browserUrl } }"""

_INSTRUCTIONS = (
    "semgraph: a business knowledge graph (customers, contracts, SLAs, orders, revenue) "
    "with SHACL-checked changes. Use grounded_context to answer questions with citations "
    "[n]; lookup_entity and entity_impact to explore; propose_change to check a change "
    "against the business rules before anyone applies it (nothing is written). Values "
    "your role may not see come back null or [REDACTED]. The ontology is a resource."
)


def _entity_document(entity: EntityType, neighbours: int) -> str:
    relations = " ".join(
        f"{r.name}(first: {neighbours}) {{ id iri }}" if r.many else f"{r.name} {{ id iri }}"
        for r in entity.relations.values()
    )
    scalars = " ".join(entity.scalars)
    return (
        f"query($id: ID!) {{ {entity.single_name}(id: $id) "
        f"{{ iri maskedFields {scalars} {relations} }} }}"
    )


def _operation(raw: dict[str, Any]) -> dict[str, Any]:
    """An agent's operation (``op`` in any case) as GraphQL's ``ChangeOperationInput``."""
    op = raw.get("op")
    if not isinstance(op, str):
        raise ToolError(
            "every operation needs `op`",
            "INVALID_INPUT",
            "one of create, update, delete, link, unlink",
        )
    return {**raw, "op": op.upper()}


def class_summary(entity: EntityType) -> dict[str, Any]:
    """One class as the ontology resources describe it."""
    return {
        "class": entity.name,
        "description": entity.description,
        "lookup": f"lookup_entity(entity_type={entity.name!r}, id=...)",
        "fields": [
            {
                "name": f.name,
                "type": f.gql,
                "description": f.description,
                "sensitive": f.sensitive,
                "visibleTo": list(f.visible_to) if f.sensitive else None,
                "allowedValues": list(f.allowed_values) if f.allowed_values else None,
            }
            for f in entity.scalars.values()
        ],
        "relations": [
            {
                "name": r.name,
                "target": r.target,
                "many": r.many,
                "direction": "out" if r.outgoing else "in",
                "description": r.description,
            }
            for r in entity.relations.values()
        ],
    }


def build_mcp_server(gateway: GraphQLGateway, caller_of: CallerOf) -> MCPServer:
    """The MCP server over ``gateway``; ``caller_of`` authenticates each request."""
    model = gateway.services.model
    mcp: MCPServer = MCPServer(
        name="semgraph", version=__version__, instructions=_INSTRUCTIONS, log_level="WARNING"
    )

    def who(ctx: Context) -> Caller:
        try:
            return caller_of(ctx)
        except SemgraphError as exc:
            raise ToolError(exc.message, exc.code, exc.hint) from None

    def resolve_class(name: str) -> EntityType:
        if name in model:
            return model[name]
        try:
            gateway.services.container.ontology.cls(name)  # did-you-mean hint
        except UnknownTermError as exc:
            raise ToolError(exc.message, "INVALID_INPUT", exc.hint) from None
        raise ToolError(f"`{name}` is abstract", "INVALID_INPUT", "use one of its subclasses")

    @mcp.tool(
        description="Grounded context for a question: the k best passages (1..50) with "
        "numbered citations [n], knowledge-graph facts about the entities they link, a "
        "ready context block and its evidence; values masked for your role."
    )
    async def grounded_context(question: str, ctx: Context, k: int = 5) -> dict[str, Any]:
        data = await gateway.execute(_CONTEXT, {"q": question, "k": k}, who(ctx))
        return dict(data["groundedContext"])

    @mcp.tool(
        description="One entity by class and id: its fields (masked ones null, listed in "
        "maskedFields) and the id/iri of up to `neighbours` linked entities per relation."
    )
    async def lookup_entity(
        entity_type: str, id: str, ctx: Context, neighbours: int = 10
    ) -> dict[str, Any]:
        entity = resolve_class(entity_type)
        if not 1 <= neighbours <= MAX_NEIGHBOURS:
            raise ToolError(f"neighbours must be 1..{MAX_NEIGHBOURS}", "INVALID_INPUT")
        document = _entity_document(entity, neighbours)
        data = await gateway.execute(document, {"id": id}, who(ctx))
        found = data.get(entity.single_name)
        if found is None:
            raise ToolError(f"{entity.name} `{id}` does not exist", "NOT_FOUND")
        return {"class": entity.name, **found}

    @mcp.tool(
        description="Entities a change to this one would impact, over the ontology's "
        "impact relationships, nearest first, each with its path."
    )
    async def entity_impact(entity_type: str, id: str, ctx: Context) -> dict[str, Any]:
        entity = resolve_class(entity_type)
        data = await gateway.execute(_IMPACT, {"t": entity.name, "id": id}, who(ctx))
        return {"entity": f"{entity.name}/{id}", "impact": data["impact"]}

    @mcp.tool(
        description="Dry run of a change set through the change pipeline: every rule "
        "result (Violation blocks, Warning, Info; with accounting references), the impact "
        "and what it would touch. Nothing is written. Operations as GraphQL's "
        "ChangeOperationInput: {op: update, class: ServiceLevelAgreement, id: ..., "
        "properties: {serviceCreditPercent: 25}}; link/unlink take rel, fromClass, "
        "fromId, toClass, toId."
    )
    async def propose_change(
        operations: list[dict[str, Any]], ctx: Context, reason: str = ""
    ) -> dict[str, Any]:
        if not operations:
            raise ToolError("no operations", "INVALID_INPUT", "send at least one operation")
        change = {"operations": [_operation(o) for o in operations], "reason": reason}
        data = await gateway.execute(_PROPOSE, {"c": change}, who(ctx))
        return dict(data["proposeChange"])

    @mcp.tool(description="Open risk alerts routed to you (all open alerts for an admin).")
    async def open_alerts(ctx: Context) -> dict[str, Any]:
        data = await gateway.execute(_ALERTS, {}, who(ctx))
        return {"alerts": data["riskAlerts"]}

    @mcp.resource(
        "semgraph://ontology/classes",
        name="ontology-classes",
        description="Every business class with its fields (sensitive ones marked) and "
        "relations, as the tools and GraphQL name them.",
        mime_type="application/json",
    )
    def ontology_classes() -> list[dict[str, Any]]:
        return [class_summary(e) for e in model.values()]

    @mcp.resource(
        "semgraph://ontology/class/{name}",
        name="ontology-class",
        description="One business class: fields, sensitivity, relations.",
        mime_type="application/json",
    )
    def ontology_class(name: str) -> dict[str, Any]:
        try:
            return class_summary(resolve_class(name))
        except ToolError as exc:
            raise ResourceNotFoundError(str(exc)) from None

    return mcp
