"""GraphQL API generated from the ontology: one Cypher statement per read request.

Entry point: ``mount_graphql(app, container)`` (see ``app_graphql``).
"""
