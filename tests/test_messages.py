"""Messages that pass on a tool's output say it in one line, with what to do."""

from __future__ import annotations

import pytest

from refsite.releases.assemble import build_failure

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
