"""Measure the versioned site: one release against every locked release, cold and unchanged.

Run through ``scripts/bench --versions`` (which sets up .venv). On a copy of
the site in a temporary folder, with the wheels downloaded beforehand (their
download is timed apart), it times:

- one release, cold: ``mkdocs build`` of the installed release, empty caches;
- every locked release, cold: ``refsite build --versions``, empty caches;
- every release again with nothing changed;

each ``--runs`` times (medians; ``--all`` once), and prints them with their
ratios to the single cold build, each one's peak memory (the largest
process of any run) and the CPU seconds of its processes (with their ratio:
steadier than wall time on a machine that other work shares). ``--all`` does
the same for ``select: all`` (every minor since ``since``), locked afresh
into the copy.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# scripts/ is this script's folder, first on sys.path: one way to time and copy.
from bench import PROJECT_FILES as SITE_FILES
from bench import copy_project, timed, timed_cpu

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The versioned site also reads its lock and pins.
PROJECT_FILES = (*SITE_FILES, "requirements")


def say(text: str) -> None:
    print(f"bench: {text}", file=sys.stderr, flush=True)


def measure(
    work: Path, label: str, select_all: bool, runs: int
) -> list[tuple[str, float, float, float]]:
    project = copy_project(work / label, names=PROJECT_FILES)
    env = {
        "REFSITE_WHEELS_DIR": str(work / "wheels"),
        "SOURCE_DATE_EPOCH": "1700000000",
    }
    if select_all:
        config = project / "mkdocs.yml"
        config.write_text(config.read_text().replace("select: 10", "select: all", 1))
        say("locking select: all")
        timed([str(BIN / "refsite"), "lock-releases"], project, env)
    lock = json.loads((project / "requirements/releases.lock.json").read_text())
    count = len(lock["releases"])
    say(f"{label}: {count} releases; downloading their wheels")
    started = time.perf_counter()
    # A versioned build of nothing but the wheels: fetch every release's.
    fetch = (
        "import sys; from pathlib import Path\n"
        "from refsite.releases.lock import load_lock, fetch\n"
        "w = Path(sys.argv[2])\n"
        "for r in load_lock(Path(sys.argv[1])).releases: fetch(r, w / 'files', w / 'unpacked')\n"
    )
    subprocess.run(
        [sys.executable, "-c", fetch, str(project / "requirements/releases.lock.json"),
         env["REFSITE_WHEELS_DIR"]],
        check=True,
    )  # fmt: skip
    rows = [(f"download the wheels of {count} releases", time.perf_counter() - started, 0.0, 0.0)]
    timings: dict[str, list[tuple[float, float, float]]] = {}
    names = [
        "one release, cold (mkdocs build)",
        f"{count} releases + root, cold",
        f"{count} releases + root, nothing changed",
    ]
    for run in range(runs):
        say(f"run {run + 1}/{runs}: one release, cold")
        single = {**env, "REFSITE_CACHE_DIR": str(work / f"{label}-{run}-cache-single")}
        site = str(work / f"{label}-{run}-single")
        command = [str(BIN / "mkdocs"), "build", "--strict", "-d", site]
        timings.setdefault(names[0], []).append(timed_cpu(command, project, single))
        versioned = {**env, "REFSITE_CACHE_DIR": str(work / f"{label}-{run}-cache")}
        site = str(work / f"{label}-{run}-site")
        command = [str(BIN / "refsite"), "build", "--versions", "-d", site]
        say(f"run {run + 1}/{runs}: {count} releases and the root, cold")
        timings.setdefault(names[1], []).append(timed_cpu(command, project, versioned))
        say(f"run {run + 1}/{runs}: {count} releases and the root, nothing changed")
        timings.setdefault(names[2], []).append(timed_cpu(command, project, versioned))
    for name in names:
        runs_of = timings[name]
        seconds = statistics.median(t[0] for t in runs_of)
        cpu = statistics.median(t[2] for t in runs_of)
        rows.append((name, seconds, max(t[1] for t in runs_of), cpu))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", action="store_true", help="(how scripts/bench routes here)")
    parser.add_argument("--all", action="store_true", help="also measure select: all")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of each build; medians are shown (default: 3)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="refsite-bench-versions-") as folder:
        work = Path(folder)
        rows = measure(work, "declared", select_all=False, runs=args.runs)
        if args.all:
            rows += measure(work, "all", select_all=True, runs=1)
    single: dict[str, float] = {}
    print(
        f"{'measurement':<44} {'seconds':>8} {'x one cold':>11} {'peak MiB':>9}"
        f" {'CPU s':>7} {'CPU x':>6}"
    )
    for name, seconds, peak, cpu in rows:
        if name.startswith("one release"):
            single = {"seconds": seconds, "cpu": cpu}
        timed_row = single and not name.startswith("download")
        ratio = f"{seconds / single['seconds']:.2f}" if timed_row else "-"
        cpu_ratio = f"{cpu / single['cpu']:.2f}" if timed_row and single["cpu"] else "-"
        print(f"{name:<44} {seconds:>8.1f} {ratio:>11} {peak:>9.0f} {cpu:>7.1f} {cpu_ratio:>6}")
    if args.json:
        args.json.write_text(
            json.dumps(
                [{"name": n, "seconds": s, "peak_mib": p, "cpu_seconds": c} for n, s, p, c in rows],
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
