"""The numbers a user gives refsite (sizes, timeouts, job counts, percentages), checked once.

Each function is an ``argparse`` ``type=`` for the command line, and the
plugin's options in ``mkdocs.yml`` run the very same function
(:class:`refsite.mkdocs.config.Limit`), so both accept and refuse the same
values in the same words. A value must be finite and in its range; the
message says what is accepted, and the caller names the option.
"""

from __future__ import annotations

import argparse
import math

__all__ = ["LimitError", "hours", "jobs", "megabytes", "percent", "port", "seconds"]


class LimitError(argparse.ArgumentTypeError):
    """A value that is not a number of its kind, or out of its range."""


def _number(value: str | float, what: str) -> float:
    """``value`` as a finite float, else :class:`LimitError` saying it is not ``what``."""
    if isinstance(value, bool):  # YAML's true is an int to Python, not a number to a user
        raise LimitError(f"{value!r} is not {what}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise LimitError(f"{value!r} is not {what}") from None
    if not math.isfinite(number):
        raise LimitError(f"{value!r} is not {what}")
    return number


def _bounded(
    value: str | float,
    what: str,
    *,
    low: float,
    high: float = math.inf,
    above: bool = False,
    whole: bool = False,
) -> float:
    """``value`` as a finite number from ``low`` (excluded with ``above``) to ``high``.

    Raises:
        LimitError: it is not a number, not whole where ``whole``, or out of range.
    """
    number = _number(value, what)
    if (whole and not number.is_integer()) or not (
        (number > low if above else number >= low) and number <= high
    ):
        raise LimitError(f"{value!r} is not {what}")
    return number


def megabytes(value: str | float) -> float:
    """A size in MiB, 0 or more."""
    if _number(value, "a number of MiB") < 0:
        raise LimitError(f"{value!r} is negative; give 0 or more MiB")
    return float(value)


def percent(value: str | float) -> float:
    """A percentage from 0 to 100."""
    return _bounded(value, "a number from 0 to 100", low=0, high=100)


def seconds(value: str | float) -> float:
    """A duration in seconds, more than 0."""
    return _bounded(value, "a number of seconds above 0", low=0, above=True)


def hours(value: str | float) -> float:
    """A number of hours, 0 or more."""
    return _bounded(value, "a number of hours, 0 or more", low=0)


def jobs(value: str | float) -> int:
    """A count of processes or builds at once, 1 or more."""
    return int(_bounded(value, "a whole number, 1 or more", low=1, whole=True))


def port(value: str | float) -> int:
    """A TCP port to listen on, from 1 to 65535."""
    return int(_bounded(value, "a port from 1 to 65535", low=1, high=65535, whole=True))
