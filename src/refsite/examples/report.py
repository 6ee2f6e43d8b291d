"""Say what happened to each example: passed, failed or excluded, and stale exclusions.

An exclusions file (``examples-exclusions.yml``) lists examples that fail on
purpose or by a known mistake, each with a reason and, where the mistake is
the documented package's own, the one-line ``fix``::

    exclude:
      - object: fastapi.FastAPI          # an object path (a glob)
        contains: redoc_url=             # optional: a text of the example
        reason: the path lacks its leading slash
        fix: redoc_url="/redocumentation"

An exclusion that matches no failing example is stale and reported.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refsite.core.yamlfile import YamlFileError, read_yaml
from refsite.examples.check import Checked, ExamplesError

__all__ = [
    "ExampleExclusion",
    "ExamplesReport",
    "Outcome",
    "format_json",
    "format_markdown",
    "load_exclusions",
    "parse_exclusions",
    "sort_out",
]


@dataclass(frozen=True)
class ExampleExclusion:
    """Examples left failing on purpose, and why."""

    object: str
    reason: str
    contains: str | None = None
    fix: str | None = None

    def matches(self, checked: Checked) -> bool:
        """Whether this exclusion names ``checked``."""
        example = checked.example
        if not fnmatch.fnmatchcase(example.object, self.object):
            return False
        return self.contains is None or self.contains in example.code


@dataclass(frozen=True)
class Outcome:
    """One example with its status: ``passed``, ``failed`` or ``excluded``."""

    checked: Checked
    status: str
    exclusion: ExampleExclusion | None = None

    def record(self, *, links: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The JSON record of this example."""
        example, result = self.checked.example, self.checked.result
        line = result.get("line")
        error = None
        if result.get("status") == "failed":
            error = {
                "type": result.get("error"),
                "message": result.get("message"),
                "example_line": line,
                # The fence opens on example.line; the code starts on the next.
                "source_line": example.line + line if example.line and line else None,
            }
        record: dict[str, Any] = {
            "object": example.object,
            "file": example.file,
            "line": example.line,
            "code": example.code,
            "status": self.status,
            "error": error,
        }
        if self.exclusion is not None:
            record["reason"] = self.exclusion.reason
            record["fix"] = self.exclusion.fix
        return record


@dataclass
class ExamplesReport:
    """Every example's outcome, and the exclusions that matched nothing."""

    outcomes: list[Outcome] = field(default_factory=list)
    stale: list[ExampleExclusion] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many examples have ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        """The failures no exclusion names."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def sandbox(self) -> str | None:
        """The limits the examples ran under (each different one once), or None if none ran."""
        said = dict.fromkeys(o.checked.result.get("sandbox") for o in self.outcomes)
        return "; ".join(s for s in said if s) or None

    @property
    def objects_with_examples(self) -> set[str]:
        """The paths of objects that have at least one example."""
        return {o.checked.example.object for o in self.outcomes}


def sort_out(checked: Sequence[Checked], exclusions: Sequence[ExampleExclusion]) -> ExamplesReport:
    """Each example passed, failed or excluded; a passing example is never excluded."""
    report = ExamplesReport()
    used: set[ExampleExclusion] = set()
    for item in checked:
        if item.passed:
            report.outcomes.append(Outcome(item, "passed"))
            continue
        exclusion = next((e for e in exclusions if e.matches(item)), None)
        if exclusion is None:
            report.outcomes.append(Outcome(item, "failed"))
        else:
            used.add(exclusion)
            report.outcomes.append(Outcome(item, "excluded", exclusion))
    report.stale = [e for e in exclusions if e not in used]
    return report


def load_exclusions(path: Path) -> list[ExampleExclusion]:
    """Read an examples exclusions file.

    Raises:
        ExamplesError: the file is missing or malformed.
    """
    try:
        data = read_yaml(path, what="exclusions file")
    except YamlFileError as error:
        raise ExamplesError(str(error)) from None
    return parse_exclusions(data, source=str(path))


def parse_exclusions(data: Any, *, source: str = "<exclusions>") -> list[ExampleExclusion]:
    """Validate parsed exclusions data; ``source`` names it in messages."""
    entries = data.get("exclude") if isinstance(data, Mapping) else None
    if not isinstance(entries, list):
        raise ExamplesError(f"{source}: expected a mapping with an 'exclude' list")
    out: list[ExampleExclusion] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("object"), str):
            raise ExamplesError(f"{source}: exclude[{i}]: expected 'object' and 'reason'")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ExamplesError(f"{source}: exclude[{i}] ({entry['object']!r}): give a 'reason'")
        contains, fix = entry.get("contains"), entry.get("fix")
        out.append(
            ExampleExclusion(
                object=entry["object"],
                reason=reason.strip(),
                contains=str(contains) if contains is not None else None,
                fix=str(fix) if fix is not None else None,
            )
        )
    return out


def format_json(report: ExamplesReport) -> str:
    """One record per example, and the stale exclusions."""
    data = {
        "found": len(report.outcomes),
        "passed": report.count("passed"),
        "failed": report.count("failed"),
        "excluded": report.count("excluded"),
        "sandbox": report.sandbox,
        "examples": [o.record() for o in report.outcomes],
        "stale": [{"object": e.object, "contains": e.contains} for e in report.stale],
    }
    return json.dumps(data, indent=2)


def format_markdown(
    report: ExamplesReport,
    *,
    object_url: Mapping[str, str] | None = None,
    source_url: Mapping[str, str] | None = None,
) -> str:
    """The counts, then every failed or excluded example, linked where URLs are given.

    ``object_url`` maps object paths, ``source_url`` ``file:line`` to URLs.
    """
    out = [
        "| Examples | Passed | Failed | Excluded |",
        "| ---: | ---: | ---: | ---: |",
        f"| {len(report.outcomes)} | {report.count('passed')} | {report.count('failed')} "
        f"| {report.count('excluded')} |",
    ]
    if report.sandbox:
        out += ["", f"sandbox: {report.sandbox}"]
    failed = report.failed
    if failed:
        out += ["", "**Failed**:", "", "| Object | Source | Error |", "| --- | --- | --- |"]
        out += [_row(o, _error(o), object_url, source_url) for o in failed]
    excluded = [o for o in report.outcomes if o.status == "excluded"]
    if excluded:
        out += ["", "**Excluded**, with the reason:", ""]
        out += ["| Object | Source | Error | Reason | Fix |", "| --- | --- | --- | --- | --- |"]
        for o in excluded:
            assert o.exclusion is not None
            fix = f"`{_cell(o.exclusion.fix)}`" if o.exclusion.fix else ""
            extra = f"{_cell(o.exclusion.reason)} | {fix}"
            out.append(_row(o, f"{_error(o)} | {extra}", object_url, source_url))
    if report.stale:
        out += ["", "**Stale exclusions** (they match no failing example):", ""]
        out += [f"- `{e.object}`: {_cell(e.reason)}" for e in report.stale]
    return "\n".join(out)


def _row(
    outcome: Outcome,
    rest: str,
    object_url: Mapping[str, str] | None,
    source_url: Mapping[str, str] | None,
) -> str:
    example = outcome.checked.example
    name = f"`{example.object}`"
    url = (object_url or {}).get(example.object)
    where = f"{example.file}:{example.line}"
    source = (source_url or {}).get(where)
    return (
        f"| {f'[{name}]({url})' if url else name} "
        f"| {f'[{where}]({source})' if source else f'`{where}`'} | {rest} |"
    )


def _error(outcome: Outcome) -> str:
    result = outcome.checked.result
    line = result.get("line")
    at = f" (line {line})" if line else ""
    return f"`{result.get('error')}`{at}: {_cell(str(result.get('message') or ''))}"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")
