"""File sources: rows of a CSV (header row) or JSON Lines export, with their line numbers,
and a rejects file in the input's own format.

A rejected row is written as it came plus ``_reject_line``, ``_reject_field``,
``_reject_value`` and ``_reject_reason`` (columns, or keys of the JSON object): mappings
ignore unmapped columns, so the fixed rejects file can be synced again as it is.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from semgraph.exceptions import InvalidInputError

FileFormat = Literal["csv", "jsonl"]
REJECT_COLUMNS = ("_reject_line", "_reject_field", "_reject_value", "_reject_reason")


@dataclass(frozen=True)
class SourceRow:
    """One row of an export: ``line`` is where it starts in the file (1 = the first line)."""

    line: int
    values: dict[str, Any]
    raw: str | None = None
    """The JSON Lines text as read (None for CSV)."""


@dataclass(frozen=True)
class FileOptions:
    """How to read an export: format (from the suffix when None), CSV delimiter, encoding."""

    format: FileFormat | None = None
    delimiter: str = ","
    encoding: str = "utf-8"

    def format_of(self, path: Path) -> FileFormat:
        if self.format is not None:
            return self.format
        return "jsonl" if path.suffix.lower() in {".jsonl", ".ndjson", ".json"} else "csv"

    def python_encoding(self) -> str:
        """The codec to read with; UTF-8 reads with or without a byte-order mark."""
        try:
            name = codecs.lookup(self.encoding).name
        except LookupError:
            raise InvalidInputError(
                f"unknown encoding `{self.encoding}`",
                hint="e.g. utf-8, gb18030, cp1252, latin-1",
            ) from None
        return "utf-8-sig" if name in {"utf-8", "utf-8-sig"} else name


def read_rows(path: Path, options: FileOptions, skip_through: int = 0) -> Iterator[SourceRow]:
    """The rows of ``path`` after line ``skip_through`` (a checkpoint).

    Raises InvalidInputError for a missing file, a file that is not in the encoding
    given, or a CSV without a header row. A JSON Lines line that is not a JSON object is
    yielded with ``values`` empty and ``raw`` set; the caller rejects it.
    """
    if not path.is_file():
        raise InvalidInputError(f"no such file: {path}", hint="check the path")
    fmt = options.format_of(path)
    try:
        if fmt == "jsonl":
            yield from _jsonl(path, options, skip_through)
        else:
            yield from _csv(path, options, skip_through)
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"{path} is not {options.encoding} text ({exc.reason} at byte {exc.start})",
            hint="name the file's encoding with --encoding (e.g. gb18030, cp1252)",
        ) from None


def _csv(path: Path, options: FileOptions, skip_through: int) -> Iterator[SourceRow]:
    with path.open(encoding=options.python_encoding(), newline="") as handle:
        reader = csv.reader(handle, delimiter=options.delimiter)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            return
        if len(header) < 2 and options.delimiter not in ("\t", ";") and ";" in header[0]:
            raise InvalidInputError(
                f"{path}: the header has one column `{header[0][:60]}`",
                hint="the file looks `;`-separated: pass --delimiter ';'",
            )
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if start <= skip_through or not any(c.strip() for c in cells):
                continue
            values: dict[str, Any] = dict(zip(header, cells, strict=False))
            if len(cells) > len(header):
                values["__extra__"] = cells[len(header) :]
            yield SourceRow(start, values)


def _jsonl(path: Path, options: FileOptions, skip_through: int) -> Iterator[SourceRow]:
    with path.open(encoding=options.python_encoding()) as handle:
        for number, text in enumerate(handle, start=1):
            if number <= skip_through or not text.strip():
                continue
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, dict):
                yield SourceRow(number, parsed, text.rstrip("\n"))
            else:
                yield SourceRow(number, {}, text.rstrip("\n"))


class RejectsFile:
    """Rejected rows in ``path``, in the format of the input they came from.

    A fresh run starts the file anew; a resumed run (``resumed``) keeps it and does not
    write again a line it already holds (rows between the checkpoint and a kill are read
    twice)."""

    def __init__(
        self, path: Path, fmt: FileFormat, options: FileOptions, *, resumed: bool = False
    ) -> None:
        self.path = path
        self.format = fmt
        self.options = options
        self.count = 0
        self._handle: IO[str] | None = None
        self._writer: Any = None
        self._header: list[str] | None = None
        self._known: set[int] = self._lines_in_file() if resumed else set()
        if not resumed:
            path.unlink(missing_ok=True)

    def _lines_in_file(self) -> set[int]:
        if not self.path.is_file():
            return set()
        encoding = self.options.python_encoding()
        with self.path.open(encoding=encoding, newline="") as handle:
            if self.format == "jsonl":
                rows = [json.loads(text) for text in handle if text.strip()]
            else:
                rows = list(csv.DictReader(handle, delimiter=self.options.delimiter))
        return {int(r["_reject_line"]) for r in rows if str(r.get("_reject_line", "")).isdigit()}

    def write(self, row: SourceRow, field: str, value: str, reason: str) -> None:
        """Append one rejected row (the count includes lines a resumed run already had)."""
        if row.line in self._known:
            self.count += 1
            return
        reject = {
            "_reject_line": row.line,
            "_reject_field": field,
            "_reject_value": value,
            "_reject_reason": reason,
        }
        handle = self._open()
        if self.format == "jsonl":
            body = dict(row.values) if row.values else {"_reject_raw": row.raw}
            handle.write(json.dumps({**body, **reject}, ensure_ascii=False, default=str) + "\n")
        else:
            values = {k: v for k, v in row.values.items() if k != "__extra__"}
            if self._header is None:
                self._header = [*values, *REJECT_COLUMNS]
                if self.path.stat().st_size == 0:
                    self._writer.writerow(self._header)
                else:  # a resumed run appends under the header already there
                    with self.path.open(encoding=self.options.python_encoding()) as existing:
                        first = next(csv.reader(existing, delimiter=self.options.delimiter), None)
                    self._header = first or self._header
            self._writer.writerow([{**values, **reject}.get(h, "") for h in self._header])
        handle.flush()
        self.count += 1

    def _open(self) -> IO[str]:
        if self._handle is None:
            encoding = self.options.python_encoding().replace("utf-8-sig", "utf-8")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding=encoding, newline="")
            if self.format == "csv":
                self._writer = csv.writer(self._handle, delimiter=self.options.delimiter)
        return self._handle

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def rejects_path(path: Path, directory: Path | None) -> Path:
    """``orders.csv`` -> ``orders.rejects.csv`` beside it (or in ``directory``)."""
    return (directory or path.parent) / f"{path.stem}.rejects{path.suffix or '.csv'}"
