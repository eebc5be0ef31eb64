"""Customer master data: normalisation, Splink matching, decisions, merge plans, the review
queue and the merge log (the service is ``semgraph.services.master_data``)."""
