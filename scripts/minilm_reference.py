"""Write tests/fixtures/minilm_reference.json: sentence-transformers' vectors for a few texts.

The numpy embedder's test compares its vectors with these, so the test needs no torch.
Rerun only when the texts or the packaged model change, in a venv that has the torch
extra (``pip install '.[torch]'``):

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/minilm_reference.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from semgraph.rag.embeddings import Embedder  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "minilm_reference.json"

_LONG_EN = " ".join(
    f"Clause {i}: the supplier credits {i % 7 + 1} % of the monthly fee for every hour of "
    f"downtime beyond the Gold availability commitment, capped at {10 + i} % per quarter."
    for i in range(1, 16)
)
_LONG_ZH = "".join(
    f"第{i}条：供应商在黄金级可用性承诺之外每停机一小时，按月服务费的百分之{i % 7 + 1}给予抵扣，"
    f"每季度累计不超过百分之{10 + i}。"
    for i in range(1, 16)
)

TEXTS = [
    "Gold",
    "Who approves a discount above 15 %?",
    "The warehouse ships stock to customers every Monday and Thursday.",
    "服务赔偿由财务负责人批准。",
    "员工的年假按入职年限计算，每年最多二十五天。",
    "Contract CTR-000123 的 SLA 违约金 counts as variable consideration under IFRS 15.",
    _LONG_EN,  # > 256 tokens: truncated
    _LONG_ZH,  # > 256 tokens (one per CJK character): truncated
]


def main() -> None:
    embedder = Embedder(backend="sentence-transformers", threads=1)
    vectors = embedder.encode(TEXTS)
    model = embedder._load()
    tokens = [len(ids) for ids in model.tokenizer(TEXTS, truncation=False)["input_ids"]]
    import sentence_transformers

    document = json.dumps(
        {
            "model": embedder.name,
            "produced_by": f"sentence-transformers {sentence_transformers.__version__}, "
            "scripts/minilm_reference.py",
            "max_seq_length": int(model.max_seq_length),
            "items": [
                {
                    "text": text,
                    "untruncated_tokens": n,
                    "vector": [round(float(x), 7) for x in vector],
                }
                for text, n, vector in zip(TEXTS, tokens, vectors, strict=True)
            ],
        },
        ensure_ascii=False,
        indent=1,
    )
    # one line per vector keeps the file short and its diffs readable
    document = re.sub(
        r"\[\s+(-?\d[^\]]*?)\s+\]", lambda m: "[" + re.sub(r"\s+", " ", m[1]) + "]", document
    )
    OUT.write_text(document + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(TEXTS)} texts, tokens {tokens})")


if __name__ == "__main__":
    main()
