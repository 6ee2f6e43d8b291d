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


def _whole(value: str | float, what: str) -> int:
    """``value`` as an int (``3`` or ``3.0``, never ``3.5``), else :class:`LimitError`."""
    number = _number(value, what)
    if not number.is_integer():
        raise LimitError(f"{value!r} is not {what}")
    return int(number)


def megabytes(value: str | float) -> float:
    """A size in MiB, 0 or more."""
    number = _number(value, "a number of MiB")
    if number < 0:
        raise LimitError(f"{value!r} is negative; give 0 or more MiB")
    return number


def percent(value: str | float) -> float:
    """A percentage from 0 to 100."""
    number = _number(value, "a number from 0 to 100")
    if not 0 <= number <= 100:
        raise LimitError(f"{value!r} is not a number from 0 to 100")
    return number


def seconds(value: str | float) -> float:
    """A duration in seconds, more than 0."""
    number = _number(value, "a number of seconds above 0")
    if number <= 0:
        raise LimitError(f"{value!r} is not a number of seconds above 0")
    return number


def hours(value: str | float) -> float:
    """A number of hours, 0 or more."""
    number = _number(value, "a number of hours, 0 or more")
    if number < 0:
        raise LimitError(f"{value!r} is not a number of hours, 0 or more")
    return number


def jobs(value: str | float) -> int:
    """A count of processes or builds at once, 1 or more."""
    number = _whole(value, "a whole number, 1 or more")
    if number < 1:
        raise LimitError(f"{value!r} is not a whole number, 1 or more")
    return number


def port(value: str | float) -> int:
    """A TCP port to listen on, from 1 to 65535."""
    number = _whole(value, "a port from 1 to 65535")
    if not 1 <= number <= 65535:
        raise LimitError(f"{value!r} is not a port from 1 to 65535")
    return number
