"""File sources: encodings, delimiters, JSON Lines, and rejects files a resumed run keeps."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from semgraph.exceptions import InvalidInputError
from semgraph.sync.sources import FileOptions, RejectsFile, read_rows, rejects_path


def test_utf8_with_bom_and_gb18030_read_the_same_header(tmp_path: Path) -> None:
    text = "客户编号;名称\nC1;北京测试有限公司\n"
    (tmp_path / "bom.csv").write_bytes(text.encode("utf-8-sig"))
    (tmp_path / "gb.csv").write_bytes(text.encode("gb18030"))
    bom = list(read_rows(tmp_path / "bom.csv", FileOptions(delimiter=";")))
    gb = list(read_rows(tmp_path / "gb.csv", FileOptions(delimiter=";", encoding="GB18030")))
    assert bom[0].values == gb[0].values == {"客户编号": "C1", "名称": "北京测试有限公司"}
    assert bom[0].line == 2
    with pytest.raises(InvalidInputError, match="not utf-8 text"):
        list(read_rows(tmp_path / "gb.csv", FileOptions(delimiter=";")))
    with pytest.raises(InvalidInputError, match="--delimiter ';'"):
        list(read_rows(tmp_path / "bom.csv", FileOptions()))


def test_line_numbers_follow_quoted_newlines_and_skip_the_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('id,note\n1,"two\nlines"\n2,x\n3,y\n', encoding="utf-8")
    assert [(r.line, r.values["id"]) for r in read_rows(path, FileOptions())] == [
        (2, "1"),
        (4, "2"),
        (5, "3"),
    ]
    assert [r.line for r in read_rows(path, FileOptions(), skip_through=4)] == [5]


def test_json_lines_yield_objects_and_flag_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n\n[1, 2]\nnot json\n', encoding="utf-8")
    rows = list(read_rows(path, FileOptions()))
    assert [(r.line, r.values) for r in rows] == [(1, {"id": 1}), (3, {}), (4, {})]
    assert rows[2].raw == "not json"


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_rejects_keep_the_input_format_and_a_resumed_run_writes_no_line_twice(
    tmp_path: Path, suffix: str
) -> None:
    source = tmp_path / f"orders{suffix}"
    if suffix == ".csv":
        source.write_text("id;qty\nA;-1\nB;2\nC;x\n", encoding="utf-8")
    else:
        source.write_text('{"id": "A", "qty": -1}\n{"id": "B"}\n{"id": "C", "qty": "x"}\n')
    options = FileOptions(delimiter=";")
    rows = list(read_rows(source, options))
    path = rejects_path(source, None)
    assert path.name == f"orders.rejects{suffix}"
    first = RejectsFile(path, options.format_of(source), options)
    first.write(rows[0], "qty", "-1", "negative")
    first.close()
    again = RejectsFile(path, options.format_of(source), options, resumed=True)
    again.write(rows[0], "qty", "-1", "negative")  # read again after the checkpoint
    again.write(rows[2], "qty", "x", "not a number")
    again.close()
    if suffix == ".csv":
        with path.open(encoding="utf-8") as handle:
            written = list(csv.DictReader(handle, delimiter=";"))
    else:
        written = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(str(r["id"]), str(r["_reject_line"]), r["_reject_reason"]) for r in written] == [
        ("A", "2" if suffix == ".csv" else "1", "negative"),
        ("C", "4" if suffix == ".csv" else "3", "not a number"),
    ]
    fresh = RejectsFile(path, options.format_of(source), options)
    fresh.close()
    assert not path.exists(), "a fresh run starts its rejects anew"
