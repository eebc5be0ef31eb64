"""The demo's progress bar: the rate it ends on is the load's, not 0 entities/s."""

from __future__ import annotations

from rich.console import Console

from semgraph.demo.loader import _progress_bar


def test_the_demo_progress_bar_ends_on_the_load_rate() -> None:
    bar = _progress_bar()
    console = Console(width=120, record=True, force_terminal=False)
    task = bar.add_task("load", total=1000)
    bar.update(task, completed=1000)
    bar.stop_task(task)
    finished = bar.tasks[0]
    assert finished.stop_time is not None
    finished.start_time = finished.stop_time - 2.0  # 1,000 entities in 2 s
    console.print(bar.get_renderable())
    line = console.export_text()
    assert "1000/1000" in line and "500 entities/s" in line, line


def test_nothing_loaded_yet_shows_no_rate() -> None:
    bar = _progress_bar()
    console = Console(width=120, record=True, force_terminal=False)
    bar.add_task("load", total=1000)
    console.print(bar.get_renderable())
    assert "entities/s" not in console.export_text()
