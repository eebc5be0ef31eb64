"""SHACL validation of the business graph: per change (incremental) and whole (full)."""
