"""Messages that pass on a tool's output say it in one line, with what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest

from refsite.cli.scaffold import _settled
from refsite.releases.assemble import build_failure
from refsite.scaffold.trial import TRIAL_ROUNDS, Trial
from refsite.scaffold.values import SitePlan

LOG = """INFO    -  Cleaning site directory
WARNING -  mkdocstrings: fastapi.Nope could not be found
WARNING -  refsite: contract: page reference/x.md is missing
INFO    -  Documentation built in 3.00 seconds
Aborted with 2 warnings in strict mode!
"""


@pytest.mark.parametrize(
    ("release", "returncode", "output", "message"),
    [
        (
            "0.110",
            1,
            LOG,
            "the build of 0.110 failed (exit 1): WARNING -  mkdocstrings: fastapi.Nope could not "
            "be found (and 1 more); fix it and build again (all of them: "
            "REFSITE_RELEASE=0.110 mkdocs build --strict)",
        ),
        (
            None,
            1,
            "Traceback (most recent call last):\n  ...\nKeyError: 'x'\n",
            "the build of the root failed (exit 1): KeyError: 'x'; fix it and build again "
            "(all of them: mkdocs build --strict)",
        ),
        (
            None,
            0,
            "WARNING -  one\n",
            "the build of the root failed (exit 0): WARNING -  one; fix it and build again "
            "(all of them: mkdocs build --strict)",
        ),
        (
            "1.0",
            -9,
            "",
            "the build of 1.0 failed (exit -9): no output; fix it and build again "
            "(all of them: REFSITE_RELEASE=1.0 mkdocs build --strict)",
        ),
    ],
)
def test_a_failed_release_build_is_one_line(
    release: str | None, returncode: int, output: str, message: str
) -> None:
    assert build_failure(release, returncode, output) == message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("outcome", "warnings", "expected"),
    [
        ("clean", (), []),
        (
            "unexplained",
            tuple(f"WARNING -  problem {n}" for n in range(8)),
            [
                *(f"WARNING -  problem {n}" for n in range(5)),
                "refsite init: the trial build of site fails for a reason no object explains "
                "(above; 3 more not shown): fix it in the project, then run "
                "'cd site && mkdocs build --strict'",
            ],
        ),
        (
            "rounds",
            ("WARNING -  one",),
            [
                "WARNING -  one",
                f"refsite init: the trial build of site still warns after {TRIAL_ROUNDS} rounds "
                "(above): fix it in the project, then run 'cd site && mkdocs build --strict'",
            ],
        ),
    ],
)
def test_a_failed_trial_build_of_init_shows_a_few_lines_and_what_to_run(
    outcome: Literal["clean", "unexplained", "rounds"],
    warnings: tuple[str, ...],
    expected: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    trial = Trial(SitePlan("pkg", "", "google"), outcome, warnings)
    assert _settled(trial, Path("site")) is (outcome == "clean")
    assert capsys.readouterr().err.splitlines() == expected
