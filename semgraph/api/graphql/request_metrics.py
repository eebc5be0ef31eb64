"""``RequestMetrics``: counts and times every GraphQL operation for ``/metrics``.

Listed first among the schema's extensions, so its end of the operation runs after
``ErrorCodes`` has given every error its code.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from semgraph.metrics import GRAPHQL_LATENCY, GRAPHQL_REQUESTS


class RequestMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        ctx = self.execution_context
        try:
            operation = ctx.operation_type.value
        except Exception:  # the document did not parse: no operation type
            operation = "invalid"
        errors = [*(ctx.pre_execution_errors or []), *((ctx.result and ctx.result.errors) or [])]
        code = "OK"
        if errors:
            code = str((errors[0].extensions or {}).get("code", "INTERNAL_SERVER_ERROR"))
        GRAPHQL_REQUESTS.labels(operation, code).inc()
        GRAPHQL_LATENCY.labels(operation).observe(time.perf_counter() - started)
