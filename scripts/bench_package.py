"""Measure refsite on another package's site, beside plain MkDocs and Zensical.

Run through ``scripts/bench --package NAME[==VERSION]`` (which sets up .venv).
It installs refsite from this checkout, with the lock's versions of MkDocs,
Material, mkdocstrings, griffe, Black and Zensical, and the package into a
venv of their own (``.cache/bench/venv-NAME``, outside the project's lock;
reused while the lock, pyproject.toml and the request are the same; refsite
itself is installed from a copy of src/refsite taken as it starts). It
writes the package's site with ``refsite init`` (timed: a row too), then,
round by round: our build cold (default workers, then one process), warm and
after a page edit, plain MkDocs cold (the refsite plugin disabled) and
Zensical cold, every cold build with the site's ``.cache`` deleted first.
It prints medians, the cold builds' CPU seconds, peak memory and the ratios
issue 29's targets are set in; ``--json`` writes the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

# scripts/ is this script's folder, first on sys.path: one way to time and print.
from bench import edit_page, print_ratios, print_table, timed, timed_cpu, write_figures

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
LOCK = ROOT / "requirements" / "lock.txt"
# What the FastAPI site renders with, besides refsite's own dependencies:
# mkdocstrings formats signatures with Black when it is installed.
TOOLS = ("black", "zensical")
STAMP = ".refsite-bench-installed"

# The import names a distribution installs (as importlib.metadata reads them).
_IMPORT_NAMES = (
    "import importlib.metadata as m, re, sys\n"
    "want = re.sub(r'[-_.]+', '-', sys.argv[1]).lower()\n"
    "for name, dists in m.packages_distributions().items():\n"
    "    if any(re.sub(r'[-_.]+', '-', d).lower() == want for d in dists):\n"
    "        print(name)\n"
)


def say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def tool_pins(names: tuple[str, ...]) -> dict[str, str]:
    """The requirement pyproject.toml's extras give each of ``names`` that they list."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    pins = {}
    for requirement in (r for group in extras.values() for r in group):
        name = canonical(re.split(r"[<>=!~\[;\s]", requirement, maxsplit=1)[0])
        if name in names:
            pins[name] = requirement
    return pins


def snapshot(dest: Path) -> str:
    """Copy what installs refsite into ``dest``; hand back a digest of its sources.

    The measured builds run this copy, not the checkout: others may edit
    src/refsite meanwhile, and every kept page's key holds refsite's code, so a
    warm build would be a cold one.
    """
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(
        ROOT / "src" / "refsite",
        dest / "src" / "refsite",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, dest / name)
    digest = hashlib.sha256()
    for path in sorted((dest / "src").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(dest)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def pip(venv: Path, arguments: list[str], failure: str) -> None:
    done = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    if done.returncode != 0:
        # Its output only then: pip's configuration may warn of every package.
        print(done.stdout + done.stderr, file=sys.stderr)
        raise SystemExit(f"bench: {failure}")


def _own(venv: Path) -> bool:
    """Whether ``venv`` exists and its scripts run its own Python."""
    python = venv / "bin/python"
    if not python.exists():
        return False
    for script in (venv / "bin").iterdir():
        if not script.is_file():
            continue
        with script.open("rb") as file:
            first = file.readline()
        named = first[2:].strip().decode(errors="replace")
        if first.startswith(b"#!") and "python" in named and Path(named).parent != python.parent:
            return False
    return True


def install(venv: Path, package: str, tools: list[str]) -> str:
    """Create or reuse ``venv`` with ``tools``, ``package`` and refsite as it is now.

    Returns:
        The digest of the refsite sources installed.
    """
    name = canonical(re.split(r"[<>=!~\[;\s]", package, maxsplit=1)[0])
    started = time.perf_counter()
    source = venv / "refsite-src"
    if not _own(venv):
        # A venv copied or moved from elsewhere runs its scripts with the
        # other venv's Python (their first line names it), and so that
        # venv's refsite: the figures would be another code's. Made anew.
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    code = snapshot(source)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + LOCK.read_bytes())
    want = f"{digest.hexdigest()} {' '.join([*tools, package])}"
    stamp = venv / STAMP
    if stamp.is_file() and stamp.read_text().strip() == want:
        say(f"reusing {venv.relative_to(ROOT)}")
    else:
        # The lock's pins, but not the measured package's own: any release of it.
        constraints = venv / "constraints.txt"
        constraints.write_text(
            "".join(
                line
                for line in LOCK.read_text().splitlines(keepends=True)
                if canonical(re.split(r"[<>=!~\[;\s]", line, maxsplit=1)[0]) != name
            )
        )
        say(f"installing {', '.join(tools)} and {package} into {venv.relative_to(ROOT)}")
        pip(
            venv,
            ["--constraint", str(constraints), str(source), *tools, package],
            f"pip could not install {package} beside refsite's lock",
        )
        stamp.write_text(want + "\n")
    say(f"installing refsite {code} (src/refsite as it is now)")
    pip(venv, ["--no-deps", "--force-reinstall", str(source)], "pip could not install refsite")
    say(f"installed in {time.perf_counter() - started:.1f} s")
    return code


def import_name(venv: Path, distribution: str) -> str:
    """The package ``refsite init`` documents: the distribution's one public import name."""
    done = subprocess.run(
        [str(venv / "bin/python"), "-c", _IMPORT_NAMES, distribution],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [n for n in done.stdout.split() if n.isidentifier() and not n.startswith("_")]
    if canonical(distribution).replace("-", "_") in names:
        return canonical(distribution).replace("-", "_")
    if len(names) == 1:
        return names[0]
    raise SystemExit(
        f"bench: {distribution} installs {names or 'no package'}: name one with --import"
    )


def switchable(config: Path) -> None:
    """Let REFSITE_ENABLED=false turn the refsite plugin off in ``config`` (plain MkDocs)."""
    text = config.read_text()
    if "\n  - refsite:\n" not in text:
        raise SystemExit(f"bench: {config} has no '  - refsite:' plugin entry")
    config.write_text(
        text.replace(
            "\n  - refsite:\n", "\n  - refsite:\n      enabled: !ENV [REFSITE_ENABLED, true]\n", 1
        )
    )


def edited_page(site: Path, package: str) -> Path:
    """A reference page to edit: the package's own, else the first."""
    own = site / "docs" / "reference" / f"{package}.md"
    pages = [own] if own.is_file() else sorted((site / "docs").rglob("*.md"))
    if not pages:
        raise SystemExit(f"bench: {site} has no page to edit")
    return pages[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", required=True, help="NAME or NAME==VERSION, as pip takes it")
    parser.add_argument("--import", dest="import_name", help="its import name, if not guessed")
    parser.add_argument("--runs", type=int, default=3, help="rounds per measurement (default 3)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--no-zensical", action="store_true", help="skip Zensical")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    distribution = re.split(r"[<>=!~\[;\s]", args.package, maxsplit=1)[0]
    name = canonical(distribution)
    pins = tool_pins(TOOLS)
    use_zensical = not args.no_zensical and "zensical" in pins
    # Zensical too, --no-zensical or not: one venv serves both.
    tools = [pins[t] for t in TOOLS if t in pins]

    venv = CACHE / f"venv-{name}"
    code = install(venv, args.package, tools)
    package = args.import_name or import_name(venv, distribution)
    bin_ = venv / "bin"
    # The site's own settings, whatever the caller's shell exports.
    for key in [k for k in os.environ if k.startswith("REFSITE_")]:
        del os.environ[key]

    times: dict[str, list[float]] = {}
    memory: dict[str, list[float]] = {}
    cold_cpu: dict[str, list[float]] = {}

    def record(row: str, figures: tuple[float, float] | tuple[float, float, float]) -> None:
        times.setdefault(row, []).append(figures[0])
        memory.setdefault(row, []).append(figures[1])
        cpu = ""
        if len(figures) == 3:
            cold_cpu.setdefault(row, []).append(figures[2])
            cpu = f" {figures[2]:7.2f} s CPU"
        print(f"  {row:<28} {figures[0]:7.2f} s{cpu} {figures[1]:7.0f} MiB", file=sys.stderr)

    work = CACHE / f"work-{name}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    site = work / f"site-{name}"
    say(f"refsite init {package} {site.relative_to(ROOT)}")
    record("refsite init", timed_cpu([str(bin_ / "refsite"), "init", package, str(site)], work, {}))
    switchable(site / "mkdocs.yml")
    page = edited_page(site, package)
    pages = len(list((site / "docs").rglob("*.md")))
    say(f"{pages} pages; the page edit goes to {page.relative_to(site)}")

    def cold() -> None:
        # The plugin's cache (its default cache_dir) and Zensical's live here.
        shutil.rmtree(site / ".cache", ignore_errors=True)
        shutil.rmtree(site / "site", ignore_errors=True)

    mkdocs = [str(bin_ / "mkdocs"), "build", "--strict"]
    for run in range(1, args.runs + 1):
        say(f"round {run}/{args.runs}")
        cold()
        record("ours cold", timed_cpu(mkdocs, site, {}))
        record("ours warm", timed(mkdocs, site, {}))
        edit_page(page, f"build-{run}")
        record("ours after page edit", timed(mkdocs, site, {}))
        cold()
        record("ours cold, 1 process", timed_cpu(mkdocs, site, {"REFSITE_WORKERS": "1"}))
        cold()
        record("plain MkDocs cold", timed_cpu(mkdocs, site, {"REFSITE_ENABLED": "false"}))
        if use_zensical:
            cold()
            record("zensical cold", timed_cpu([str(bin_ / "zensical"), "build"], site, {}))

    medians = {row: statistics.median(values) for row, values in times.items()}
    peaks = {row: max(values) for row, values in memory.items()}
    cpu = {row: statistics.median(values) for row, values in cold_cpu.items()}

    def ratio(figures: dict[str, float], a: str, b: str) -> float | None:
        return figures[a] / figures[b] if a in figures and figures.get(b) else None

    ours_peak = max(v for row, v in peaks.items() if row.startswith("ours"))
    ratios = {
        "cold 1 process / plain cold, CPU seconds (target <= 1.1)": ratio(
            cpu, "ours cold, 1 process", "plain MkDocs cold"
        ),
        "cold / plain cold (target <= 0.65)": ratio(medians, "ours cold", "plain MkDocs cold"),
        "cold / zensical cold (target <= 0.7)": ratio(medians, "ours cold", "zensical cold"),
        "warm / plain cold (target <= 0.10)": ratio(medians, "ours warm", "plain MkDocs cold"),
        "peak MiB, largest of ours / plain (target <= 1.2)": ratio(
            {"ours": ours_peak, **peaks}, "ours", "plain MkDocs cold"
        ),
        "cold / plain cold, CPU seconds": ratio(cpu, "ours cold", "plain MkDocs cold"),
        "cold 1 process / zensical cold, CPU seconds": ratio(
            cpu, "ours cold, 1 process", "zensical cold"
        ),
        "after page edit / plain cold": ratio(medians, "ours after page edit", "plain MkDocs cold"),
    }
    print(f"\n{args.package} ({package}): {pages} pages, refsite {code}, {args.runs} round(s)")
    print_table(times, peaks, cold_cpu)
    print_ratios(ratios)
    if args.json:
        write_figures(
            args.json,
            args.runs,
            (times, medians, peaks),
            cold_cpu,
            ratios,
            package=args.package,
            refsite_sources=code,
            pages=pages,
        )
        say(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
