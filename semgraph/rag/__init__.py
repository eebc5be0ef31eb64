"""Retrieval-augmented context: corpus → chunks → FAISS + BM25 index → grounded context.

Entry points: ``IndexStore.open`` (the index on disk), ``sync_documents`` (incremental
indexing), ``HybridRetriever`` (search), ``grounded_context`` (what AI callers get),
``generate_answer`` (optional local LLM), ``redact`` (the one door for served text).
"""
