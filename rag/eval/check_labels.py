"""Check the RAG corpus and the labelled evaluation questions against each other.

Run from the repository root (stdlib only, no third-party packages)::

    .venv/bin/python rag/eval/check_labels.py            # check and print a summary
    .venv/bin/python rag/eval/check_labels.py --headings # also list every doc's headings

What is checked
---------------
Corpus (``rag/corpus/*.md``):
  * every file starts with a YAML front-matter block holding ``id``, ``title``,
    ``type``, ``language``, ``system``, ``entities`` and ``updated``;
  * ``type``, ``language`` and ``system`` take one of the allowed values, ``id`` is
    kebab-case, unique, and equal to the file name without ``.md``;
    ``updated`` is an ISO date;
  * every document has a ``#`` title and at least three ``##``/``###`` sections,
    and no heading text repeats inside one document (labels address sections by
    heading text, so it must be unambiguous);
  * length is 300-1,500 words (warning only).  Words are counted as Latin/digit
    tokens plus CJK characters divided by 1.6, a common approximation of Chinese
    word count.

Questions (``rag/eval/questions.jsonl``), one JSON object per line:
  * fields ``id``, ``question``, ``language`` (``en``/``zh``), ``relevant`` (a
    non-empty list of ``{"doc", "section"}``) and ``answer_hint`` are present;
    ``kind`` (``keyword``/``semantic``/``multi``) is optional but checked if given;
  * ids are unique; every ``doc`` resolves to a corpus id, every ``section`` to a
    heading of that document (exact text, without the ``#`` marks);
  * ``answer_hint`` occurs in the body of at least one labelled section.

A *section* is the text from its heading to the next heading of any level, so a
``##`` heading followed directly by ``###`` subsections owns only its own
introductory paragraphs.  Matching of ``answer_hint`` ignores case, Markdown
emphasis (``**``, backticks) and runs of whitespace.

Exit status: 0 when there are no errors (warnings allowed), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE.parent / "corpus"
QUESTIONS = HERE / "questions.jsonl"

DOC_TYPES = {
    "policy",
    "sla",
    "contract-template",
    "playbook",
    "approval-policy",
    "faq",
    "procedure",
    "glossary",
}
LANGUAGES = {"en", "zh"}
SYSTEMS = {"crm", "erp", "hr", "wms", "finance", "general"}
KINDS = {"keyword", "semantic", "multi"}
REQUIRED_META = ("id", "title", "type", "language", "system", "entities", "updated")

HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
KEBAB_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.,%/-]*")


def parse_front_matter(text: str) -> tuple[dict, str]:
    """Split a document into (metadata, body).

    Only the small YAML subset used by the corpus is understood: ``key: value``
    lines, ``# comments``, and inline lists ``[a, b]`` (or an empty ``[]``).
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ValueError("missing front matter (first line must be '---')")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ValueError("front matter is not closed by '---'") from None
    meta: dict = {}
    for raw in lines[1:end]:
        line = raw.split(" #", 1)[0].rstrip()  # strip trailing comments
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if ":" not in line:
            raise ValueError(f"front matter line is not 'key: value': {raw!r}")
        key, value = line.split(":", 1)
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            inner = value[1:-1].strip()
            meta[key.strip()] = [v.strip().strip("'\"") for v in inner.split(",")] if inner else []
        else:
            meta[key.strip()] = value.strip("'\"")
    return meta, "\n".join(lines[end + 1 :])


def split_sections(body: str) -> list[tuple[int, str, str]]:
    """Return (level, heading text, section body) for each heading, skipping code fences."""
    sections: list[tuple[int, str, list[str]]] = []
    in_fence = False
    for line in body.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else HEADING_RE.match(line)
        if match:
            sections.append((len(match.group(1)), match.group(2), []))
        elif sections:
            sections[-1][2].append(line)
    return [(level, title, "\n".join(lines).strip()) for level, title, lines in sections]


def normalise(text: str) -> str:
    """Case-fold, drop Markdown emphasis and collapse whitespace for hint matching."""
    text = text.replace("**", "").replace("`", "")
    return re.sub(r"\s+", " ", text).strip().casefold()


def word_count(text: str) -> int:
    cjk = len(CJK_RE.findall(text))
    latin = len(LATIN_WORD_RE.findall(CJK_RE.sub(" ", text)))
    return latin + round(cjk / 1.6)


def load_corpus(errors: list[str], warnings: list[str]) -> dict[str, dict]:
    docs: dict[str, dict] = {}
    for path in sorted(CORPUS_DIR.glob("*.md")):
        where = path.name
        try:
            meta, body = parse_front_matter(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            errors.append(f"{where}: {exc}")
            continue
        for key in REQUIRED_META:
            if key not in meta:
                errors.append(f"{where}: front matter lacks '{key}'")
        doc_id = meta.get("id", "")
        if not KEBAB_RE.match(doc_id):
            errors.append(f"{where}: id {doc_id!r} is not kebab-case")
        if doc_id != path.stem:
            errors.append(f"{where}: id {doc_id!r} differs from the file name")
        if doc_id in docs:
            errors.append(f"{where}: duplicate id {doc_id!r}")
        if meta.get("type") not in DOC_TYPES:
            errors.append(f"{where}: type {meta.get('type')!r} not in {sorted(DOC_TYPES)}")
        if meta.get("language") not in LANGUAGES:
            errors.append(f"{where}: language {meta.get('language')!r} not in {sorted(LANGUAGES)}")
        if meta.get("system") not in SYSTEMS:
            errors.append(f"{where}: system {meta.get('system')!r} not in {sorted(SYSTEMS)}")
        if not DATE_RE.match(str(meta.get("updated", ""))):
            errors.append(f"{where}: updated {meta.get('updated')!r} is not YYYY-MM-DD")
        if not isinstance(meta.get("entities", []), list):
            errors.append(f"{where}: entities must be a list")

        sections = split_sections(body)
        if not sections or sections[0][0] != 1:
            errors.append(f"{where}: the body must start with a '#' title")
        subsections = [s for s in sections if s[0] >= 2]
        if len(subsections) < 3:
            errors.append(f"{where}: only {len(subsections)} '##'/'###' sections (need >= 3)")
        repeated = [t for t, n in Counter(t for _, t, _ in sections).items() if n > 1]
        if repeated:
            errors.append(f"{where}: repeated heading(s) {repeated}")
        words = word_count(body)
        if not 300 <= words <= 1500:
            warnings.append(f"{where}: about {words} words (target 300-1,500)")
        docs[doc_id] = {
            "meta": meta,
            "sections": {t: b for _, t, b in sections},
            "headings": [(lvl, t) for lvl, t, _ in sections],
            "words": words,
        }
    if not docs:
        errors.append(f"no documents found in {CORPUS_DIR}")
    return docs


def check_questions(docs: dict[str, dict], errors: list[str]) -> list[dict]:
    questions: list[dict] = []
    seen: set[str] = set()
    if not QUESTIONS.exists():
        errors.append(f"{QUESTIONS} does not exist")
        return questions
    for lineno, line in enumerate(QUESTIONS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"questions.jsonl:{lineno}"
        try:
            q = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: invalid JSON ({exc})")
            continue
        missing = [
            k for k in ("id", "question", "language", "relevant", "answer_hint") if k not in q
        ]
        if missing:
            errors.append(f"{where}: missing field(s) {missing}")
            continue
        where = f"{where} ({q['id']})"
        if q["id"] in seen:
            errors.append(f"{where}: duplicate question id")
        seen.add(q["id"])
        if q["language"] not in LANGUAGES:
            errors.append(f"{where}: language {q['language']!r} not in {sorted(LANGUAGES)}")
        if "kind" in q and q["kind"] not in KINDS:
            errors.append(f"{where}: kind {q['kind']!r} not in {sorted(KINDS)}")
        if not isinstance(q["relevant"], list) or not q["relevant"]:
            errors.append(f"{where}: 'relevant' must be a non-empty list")
            continue
        if not str(q["question"]).strip() or not str(q["answer_hint"]).strip():
            errors.append(f"{where}: empty question or answer_hint")
        hint = normalise(str(q["answer_hint"]))
        hint_found = False
        for label in q["relevant"]:
            doc = docs.get(label.get("doc", ""))
            if doc is None:
                errors.append(f"{where}: unknown doc {label.get('doc')!r}")
                continue
            body = doc["sections"].get(label.get("section", ""))
            if body is None:
                errors.append(
                    f"{where}: doc {label['doc']!r} has no heading {label.get('section')!r}"
                )
                continue
            if hint in normalise(body):
                hint_found = True
        if not hint_found and not any(e.startswith(where) for e in errors):
            errors.append(
                f"{where}: answer_hint {q['answer_hint']!r} not found in any labelled section"
            )
        questions.append(q)
    return questions


def summarise(docs: dict[str, dict], questions: list[dict]) -> None:
    print(f"Corpus: {len(docs)} documents")
    by_type = Counter((d["meta"].get("type"), d["meta"].get("language")) for d in docs.values())
    types = sorted({t for t, _ in by_type})
    print(f"  {'type':<18}{'en':>4}{'zh':>4}{'all':>5}")
    for t in types:
        en, zh = by_type[(t, "en")], by_type[(t, "zh")]
        print(f"  {t:<18}{en:>4}{zh:>4}{en + zh:>5}")
    langs = Counter(d["meta"].get("language") for d in docs.values())
    print(f"  {'total':<18}{langs['en']:>4}{langs['zh']:>4}{len(docs):>5}")
    words = [d["words"] for d in docs.values()]
    if words:
        median = sorted(words)[len(words) // 2]
        print(f"  words per document: min {min(words)}, median {median}, max {max(words)}")
    n_sections = sum(len(d["headings"]) - 1 for d in docs.values())
    print(f"  sections (## and ###): {n_sections}")

    print(f"Questions: {len(questions)}")
    print("  by language:", dict(sorted(Counter(q["language"] for q in questions).items())))
    print(
        "  by kind:", dict(sorted(Counter(q.get("kind", "unlabelled") for q in questions).items()))
    )
    cross = [
        q
        for q in questions
        if any(
            docs.get(r.get("doc"), {}).get("meta", {}).get("language") not in (None, q["language"])
            for r in q["relevant"]
        )
    ]
    cross_lang = Counter(q["language"] for q in cross)
    print(
        f"  cross-lingual (question language differs from a labelled doc): {len(cross)} "
        f"(zh->en {cross_lang['zh']}, en->zh {cross_lang['en']})"
    )
    multi = sum(1 for q in questions if len(q["relevant"]) > 1)
    print(f"  with 2+ relevant sections: {multi}")
    targeted = Counter(r["doc"] for q in questions for r in q["relevant"])
    untargeted = sorted(set(docs) - set(targeted))
    print(f"  documents targeted by at least one question: {len(targeted)}/{len(docs)}")
    if untargeted:
        print("  documents with no question:", ", ".join(untargeted))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--headings", action="store_true", help="list each document's headings")
    args = parser.parse_args()

    errors: list[str] = []
    warnings: list[str] = []
    docs = load_corpus(errors, warnings)
    if args.headings:
        for doc_id, doc in docs.items():
            print(doc_id)
            for level, title in doc["headings"]:
                print(f"  {'#' * level} {title}")
    questions = check_questions(docs, errors)
    summarise(docs, questions)
    for w in warnings:
        print("WARNING:", w)
    for e in errors:
        print("ERROR:", e)
    print("OK: all labels resolve" if not errors else f"FAILED: {len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
