"""The five query shapes, written once per server (same data, same fields)."""

from __future__ import annotations

from typing import Any

Shape = dict[str, tuple[str, dict[str, Any]]]

_CUSTOMER = "id name status rating segment country industry"
_CONTRACT = "id contractNumber status startDate endDate currency"
_ACTIVE = '{status: {eq: "active"}}'
_STATS = "count totalValue { min max sum avg }"


def shapes(customer_id: str) -> dict[str, Shape]:
    """shape → {"semgraph": (query, variables), "neo4j_graphql": (query, variables)}."""
    seg = {"seg": "enterprise"}
    nested2 = "contracts { id status hasSla { id tier uptimeTarget } }"
    nested3 = (
        "contracts { id status invoicesConnection { totalCount } "
        "supportTicketsConnection { totalCount } "
        "hasSla { id tier hasServiceCredit { id amount status } } }"
    )
    page_args = "where: {segment: {eq: $seg}}, first: 20, sort: [{name: ASC}]"
    return {
        "by_id": {
            "semgraph": (
                f"query($id: ID!) {{ customer(id: $id) {{ {_CUSTOMER} }} }}",
                {"id": customer_id},
            ),
            "neo4j_graphql": (
                f"query($id: ID!) {{ customers(where: {{id: {{eq: $id}}}}) {{ {_CUSTOMER} }} }}",
                {"id": customer_id},
            ),
        },
        "page": {
            "semgraph": (
                f"{{ contracts(where: {_ACTIVE}, sort: [{{startDate: DESC}}], first: 50) "
                f"{{ totalCount edges {{ node {{ {_CONTRACT} }} }} }} }}",
                {},
            ),
            "neo4j_graphql": (
                f"{{ contractsConnection(where: {_ACTIVE}, sort: [{{startDate: DESC}}], first: 50) "
                f"{{ totalCount edges {{ node {{ {_CONTRACT} }} }} }} }}",
                {},
            ),
        },
        "nested2": {
            "semgraph": (
                f"query($seg: String) {{ customers({page_args}) "
                f"{{ edges {{ node {{ id name {nested2} }} }} }} }}",
                seg,
            ),
            "neo4j_graphql": (
                f"query($seg: String) {{ customersConnection({page_args}) "
                f"{{ edges {{ node {{ id name {nested2} }} }} }} }}",
                seg,
            ),
        },
        "nested3_counts": {
            "semgraph": (
                f"query($seg: String) {{ customers({page_args}) "
                f"{{ edges {{ node {{ id name {nested3} }} }} }} }}",
                seg,
            ),
            "neo4j_graphql": (
                f"query($seg: String) {{ customersConnection({page_args}) "
                f"{{ edges {{ node {{ id name {nested3} }} }} }} }}",
                seg,
            ),
        },
        "aggregate": {
            "semgraph": (
                f"{{ contractsAggregate(where: {_ACTIVE}) {{ {_STATS} }} }}",
                {},
            ),
            "neo4j_graphql": (
                f"{{ contractsConnection(where: {_ACTIVE}) {{ aggregate {{ count {{ nodes }} "
                f"node {{ totalValue {{ min max sum average }} }} }} }} }}",
                {},
            ),
        },
    }
