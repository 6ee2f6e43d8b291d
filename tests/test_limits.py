"""The numbers a user gives refsite: one check each, for the command line and mkdocs.yml."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from refsite.core import limits


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (limits.megabytes, "0", 0.0),
        (limits.megabytes, 2.5, 2.5),
        (limits.percent, "100", 100.0),
        (limits.seconds, "0.5", 0.5),
        (limits.hours, 0, 0.0),
        (limits.jobs, "3", 3),
        (limits.jobs, 2.0, 2),
        (limits.port, "65535", 65535),
    ],
)
def test_values_in_range_are_taken(
    check: Callable[[str | float], float], value: str | float, expected: float
) -> None:
    assert check(value) == expected


@pytest.mark.parametrize(
    ("check", "value", "said"),
    [
        (limits.megabytes, "-5", "is negative"),
        (limits.megabytes, "nan", "is not a number of MiB"),
        (limits.percent, 150, "is not a number from 0 to 100"),
        (limits.percent, True, "is not a number from 0 to 100"),
        (limits.seconds, "0", "is not a number of seconds above 0"),
        (limits.seconds, "-1", "is not a number of seconds above 0"),
        (limits.seconds, "inf", "is not a number of seconds above 0"),
        (limits.hours, "-0.5", "is not a number of hours"),
        (limits.jobs, "0", "is not a whole number, 1 or more"),
        (limits.jobs, "1.5", "is not a whole number, 1 or more"),
        (limits.port, "70000", "is not a port"),
        (limits.port, "http", "is not a port"),
    ],
)
def test_values_out_of_range_are_refused_in_one_line(
    check: Callable[[str | float], float], value: str | float, said: str
) -> None:
    with pytest.raises(limits.LimitError, match=said) as raised:
        check(value)
    assert "\n" not in str(raised.value)
