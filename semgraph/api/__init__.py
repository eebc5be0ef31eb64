"""The HTTP service: FastAPI app with GraphQL, health, readiness and metrics."""
