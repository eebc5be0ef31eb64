"""The read side of the generated entity API: the ontology's entity types (``model``),
the compiler of a selection into ONE Cypher statement (``compiler``, ``filters``) and
the async reader that runs it (``reader``). ``semgraph.api.graphql`` turns GraphQL
requests into selections and results into responses."""
