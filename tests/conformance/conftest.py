"""Print the W3C suite's counts per validation strategy, and per change, after the run."""

from __future__ import annotations

from collections import Counter

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.conformance.test_w3c_per_change import PER_CHANGE
    from tests.conformance.test_w3c_suite import OUTCOMES

    for strategy, verdicts in OUTCOMES.items():
        if not verdicts:
            continue
        kinds = Counter(
            "pass" if v == "pass" else "refused" if v.startswith("refused") else "fail"
            for v in verdicts.values()
        )
        terminalreporter.write_line(
            f"W3C SHACL suite, {strategy}: {kinds['pass']} pass, {kinds['fail']} fail, "
            f"{kinds['refused']} refused by the loader, of {len(verdicts)}"
        )
    if PER_CHANGE:
        agree = sum(v == "agree" for v in PER_CHANGE.values())
        terminalreporter.write_line(
            f"W3C SHACL suite, per change: {agree} agree, {len(PER_CHANGE) - agree} differ, "
            f"of {len(PER_CHANGE)}"
        )
