"""Typed errors of the RAG package (the base classes live in ``semgraph.exceptions``)."""

from __future__ import annotations

from semgraph.exceptions import SemgraphError


class InsufficientContextError(SemgraphError):
    """Retrieval found nothing relevant enough to ground an answer; no answer is given."""

    code = "INSUFFICIENT_CONTEXT"


class AnswerModelUnavailableError(SemgraphError):
    """The configured local model endpoint did not answer; the context alone is still valid."""

    code = "ANSWER_MODEL_UNAVAILABLE"


class UngroundedAnswerError(SemgraphError):
    """The model's answer cited no source, or a source number that does not exist."""

    code = "UNGROUNDED_ANSWER"


class IndexMissingError(SemgraphError):
    """No index has been built in the configured folder yet."""

    code = "INDEX_MISSING"
