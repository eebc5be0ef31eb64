"""Source systems in: mappings from ``ontology/systems.ttl`` (and user files) executed on
rows of CSV / JSON Lines exports, written through the change pipeline in batches."""

BATCH_SIZE = 400
"""Records per change set by default. Larger batches spread a change set's fixed costs
(about 20 statements at 1-1.6 ms each, one change event, one commit), while pySHACL's cost
per record grows with the batch's data graph and a refused record costs a retry of the
rest of its batch. At 20,000 records, three interleaved pairs each (docs/performance.md,
2026-12-08): 400 gave 1.14x the records/s of 100 (medians 749.2 and 657.0), and 1000 no
more than 400 (727.9 and 746.9) with a p95 batch about 2.4 times as long."""
MAX_BATCH_SIZE = 5000
DOUBTFUL_SHARE = 4
"""Rows a rule may refuse on their own values (a negative quantity) are applied in a
change set of their own, after the rest of their batch, so that a refusal does not roll
back and re-run the rows beside them, when they are at most one in this many of the
batch; more, and the batch goes whole (the split would gain little). Telling them
apart costs about a tenth of a batch, so it is done only while at least one change set
in ``REFUSED_SHARE`` of the run has been refused (docs/performance.md)."""
REFUSED_SHARE = 4
MATCH_GROUP = 1000
"""New golden records are handed to master-data matching in groups of at least this many
(and the rest at the end of each run): a matching call costs ~0.45 s whatever its size
(a DuckDB connection, a Splink linker, a name-index query), so matching each batch of
100 spent 13 % of a sync in it (docs/performance.md)."""
