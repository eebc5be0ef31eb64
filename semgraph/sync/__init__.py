"""Source systems in: mappings from ``ontology/systems.ttl`` (and user files) executed on
rows of CSV / JSON Lines exports, written through the change pipeline in batches."""
