"""Optional answers from a local OpenAI-compatible endpoint (Ollama, llama.cpp, vLLM).

The model sees only the numbered context and must cite it as [n]. No answer is produced
when the context is too weak (``InsufficientContextError``: "not enough grounded context"),
and an answer that cites nothing or a number that does not exist is rejected.
"""

from __future__ import annotations

import re

import httpx

from semgraph.exceptions import ConfigurationError
from semgraph.rag.errors import (
    AnswerModelUnavailableError,
    InsufficientContextError,
    UngroundedAnswerError,
)
from semgraph.rag.redaction import RedactionRules, redact
from semgraph.rag.settings import RagSettings
from semgraph.rag.types import Answer, GroundedContext

SYSTEM_PROMPT = (
    "You answer questions about company policies and service level agreements using ONLY "
    "the numbered sources given. Cite every statement with the source number in square "
    "brackets, e.g. [1] or [2][3]. If the sources do not contain the answer, say exactly: "
    "not enough grounded context. Answer in the language of the question."
)
_CITATION = re.compile(r"\[(\d+)\]")
CONFIGURE_HINT = (
    "set SEMGRAPH_RAG_LLM_URL to a local OpenAI-compatible endpoint, e.g. "
    "http://127.0.0.1:11434/v1 (Ollama) or http://127.0.0.1:8080/v1 (llama.cpp server), "
    "and SEMGRAPH_RAG_LLM_MODEL to the model name it serves"
)


def check_grounding(context: GroundedContext, min_confidence: float) -> None:
    """Raise InsufficientContextError unless the context can ground an answer."""
    if not context.passages or context.evidence.confidence < min_confidence:
        raise InsufficientContextError(
            "not enough grounded context to answer "
            f"(confidence {context.evidence.confidence:.2f} < {min_confidence:.2f}, "
            f"{len(context.passages)} passages)",
            hint="rephrase the question, widen the filters, or add documents to rag/corpus",
        )


def cited_numbers(text: str, available: int) -> list[int]:
    """The [n] numbers cited in ``text``; raises UngroundedAnswerError if none or unknown."""
    cited = sorted({int(n) for n in _CITATION.findall(text)})
    unknown = [n for n in cited if not 1 <= n <= available]
    if unknown:
        raise UngroundedAnswerError(
            f"the answer cites sources that do not exist: {unknown} (only 1–{available})"
        )
    if not cited:
        raise UngroundedAnswerError("the answer cites no source", hint="ask again")
    return cited


def generate_answer(
    context: GroundedContext,
    settings: RagSettings,
    *,
    redaction: RedactionRules | None = None,
    client: httpx.Client | None = None,
) -> Answer:
    """Ask the configured local model to answer from ``context`` with [n] citations.

    Raises ConfigurationError when no endpoint is configured (the context alone stays
    usable), InsufficientContextError when retrieval is too weak, AnswerModelUnavailableError
    when the endpoint fails, UngroundedAnswerError when the answer does not cite properly.
    """
    if not settings.llm_url:
        raise ConfigurationError("no local answer model is configured", hint=CONFIGURE_HINT)
    check_grounding(context, settings.min_confidence)
    headers = {}
    if settings.llm_api_key is not None:
        headers["Authorization"] = f"Bearer {settings.llm_api_key.get_secret_value()}"
    body = {
        "model": settings.llm_model,
        "temperature": 0.1,
        "max_tokens": settings.llm_max_tokens,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {
                "role": "user",
                "content": f"Sources:\n\n{context.context_text}\n\nQuestion: {context.question}",
            },
        ],
    }
    url = settings.llm_url.rstrip("/") + "/chat/completions"
    http = client or httpx.Client(timeout=settings.llm_timeout_s)
    try:
        response = http.post(url, json=body, headers=headers)
        response.raise_for_status()
        text = str(response.json()["choices"][0]["message"]["content"]).strip()
    except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
        raise AnswerModelUnavailableError(
            f"the answer model at {settings.llm_url} failed: {exc}",
            hint="check that the local server runs and serves " + settings.llm_model,
        ) from exc
    finally:
        if client is None:
            http.close()
    if "not enough grounded context" in text.lower():
        raise InsufficientContextError("the model found no answer in the sources")
    cited = cited_numbers(text, len(context.passages))
    return Answer(
        answer=redact(text, redaction), cited=cited, model=settings.llm_model, context=context
    )
