"""Which customer pairs Splink compares at all: blocking keys and rules, with the name
blocks capped so the compared pairs grow about linearly with the records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

# Name-based blocking keys: (column, the row fields whose values make the key).
NAME_BLOCKS: dict[str, tuple[str, ...]] = {
    "block_first_last": ("name_block", "name_block_last"),
    "block_first_postcode": ("name_block", "postcode"),
    "block_last_postcode": ("name_block_last", "postcode"),
}
# Every blocking column: a pair is compared only when it agrees on one of them.
BLOCK_COLUMNS: tuple[str, ...] = ("tax_id", "phone", "email_domain", *NAME_BLOCKS)
# A name block holding more records than this is not used for blocking: its pairs grow
# with the square of its size (a common "first word + Group" shared by hundreds of
# companies) while its true pairs still agree on a tax id, phone, domain or one of the
# other, smaller name blocks. Splink's docs recommend capping blocks this way.
MAX_BLOCK = 40


def with_block_keys(rows: Sequence[dict[str, Any]], max_block: int = MAX_BLOCK) -> None:
    """Set each row's name blocking keys (``NAME_BLOCKS``) in place, leaving out those
    shared by more than ``max_block`` of ``rows``, so every block stays small and the
    compared pairs grow about linearly with the records."""
    for column, parts in NAME_BLOCKS.items():
        keys = [_key(row, parts) for row in rows]
        sizes = Counter(key for key in keys if key is not None)
        for row, key in zip(rows, keys, strict=True):
            row[column] = key if key is not None and sizes[key] <= max_block else None


def _key(row: dict[str, Any], parts: tuple[str, ...]) -> str | None:
    values = [row.get(part) for part in parts]
    if not all(values):
        return None
    return "\x1f".join(str(value) for value in values)


def blocking_rules() -> list[Any]:
    """Which pairs are compared at all: those agreeing on one of these. Each rule's groups
    stay small (one tax id, phone or company domain; a name's first and last word, or one
    of them with the postcode, capped at ``MAX_BLOCK`` records), so the pairs grow about
    linearly with the records."""
    from splink import block_on

    return [block_on(column) for column in BLOCK_COLUMNS]


def shares_a_block(
    rows: Sequence[dict[str, Any]], others: Sequence[dict[str, Any]] | None = None
) -> bool:
    """Whether a row of ``rows`` agrees with a row of ``others`` (or, without ``others``,
    with another row of ``rows``) on a blocking column, as the rules' SQL equality does:
    a missing value agrees with nothing. Without such a pair Splink compares nothing."""
    for column in BLOCK_COLUMNS:
        values = [row[column] for row in rows if row.get(column) is not None]
        if others is None:
            if len(set(values)) < len(values):
                return True
        elif not set(values).isdisjoint(
            row[column] for row in others if row.get(column) is not None
        ):
            return True
    return False
