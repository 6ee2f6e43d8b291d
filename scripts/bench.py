"""Measure refsite's builds side by side with plain MkDocs and Zensical.

Run through ``scripts/bench`` (which sets up .venv). It works on a copy of the
site in a temporary folder, alternates the commands round by round so that
machine noise hits all of them alike, and prints medians, ratios and peak
memory; ``--json`` writes the figures for later comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROJECT_FILES = (
    "mkdocs.yml",
    "navtree.yml",
    "coverage-exclusions.yml",
    "examples-exclusions.yml",
    "api-history.json",
    "docs",
)
EDITED_PAGE = "docs/reference/background.md"

# Runs a command and prints its peak RSS (KiB) and CPU seconds: in a process
# of its own, so the children's figures are that command's alone.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
    " stderr=subprocess.DEVNULL).returncode\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)\n"
    "sys.exit(code)\n"
)


def copy_project(dest: Path, sources: Path = ROOT, names: tuple[str, ...] = PROJECT_FILES) -> Path:
    """Copy what a build of the project reads into ``dest``."""
    dest.mkdir(parents=True)
    for name in names:
        source = sources / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        elif source.exists():
            shutil.copy(source, dest / name)
    return dest


def timed_cpu(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds of one run of ``command``."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        cwd=cwd,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed in {cwd} (exit {result.returncode})")
    peak, cpu = result.stdout.strip().splitlines()[-1].split()
    return elapsed, int(peak) / 1024, float(cpu)


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of ``command``."""
    elapsed, peak, _ = timed_cpu(command, cwd, env)
    return elapsed, peak


def edit_page(path: Path, marker: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(f"\n\nBench edit {marker}.\n")


FLOOR_CONFIG = """\
site_name: Floor
theme:
  name: mkdocs
plugins:
  - refsite:
      cache: false
      links: false
      watch_events: !ENV [FLOOR_EVENTS, true]
"""


EXTRAS_OFF = {"REFSITE_LLMS": "false", "REFSITE_SOURCE_LINKS": "false"}

SERVE_EDITS = 3
"""Edits each server takes per round (its median is over all rounds')."""
SLOW_SERVE = 2.0
"""Seconds past which one edit a round is enough."""


# What a warm build's examples feature does before anything else: look up the
# kept results of the whole check.
_EXAMPLES_LOOKUP = (
    "import time\n"
    "from pathlib import Path\n"
    "from refsite.cli.mkdocs_yml import read_config\n"
    "from refsite.cli.examples import settings_for\n"
    "from refsite.examples.check import cached\n"
    "settings = settings_for(read_config(Path('mkdocs.yml')))\n"
    "start = time.perf_counter()\n"
    "found = cached(settings)\n"
    "print(1000 * (time.perf_counter() - start) if found is not None else -1)\n"
)


def examples_lookup(cwd: Path, env: dict[str, str]) -> float:
    """Milliseconds a warm build spends on the examples (-1: they were not kept)."""
    done = subprocess.run(
        [sys.executable, "-c", _EXAMPLES_LOOKUP],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def extras_sizes(site: Path) -> dict[str, int]:
    """Bytes of the built site's HTML, its Markdown twins and llms.txt, and source links."""
    html = sum(f.stat().st_size for f in site.rglob("*.html"))
    twins = sum(f.stat().st_size for f in site.rglob("*.md"))
    links = sum(f.read_text(encoding="utf-8").count("/blob/") for f in site.rglob("*.html"))
    llms = (site / "llms.txt").stat().st_size if (site / "llms.txt").is_file() else 0
    return {"html": html, "twins": twins, "llms.txt": llms, "source links": links}


def make_floor_site(dest: Path) -> Path:
    """A one-page site: its serve round trip is little more than the watcher's delay."""
    (dest / "docs").mkdir(parents=True)
    (dest / "mkdocs.yml").write_text(FLOOR_CONFIG)
    (dest / "docs/index.md").write_text("# Floor\n")
    return dest


def edit_floor(cwd: Path, marker: str) -> None:
    edit_page(cwd / "docs/index.md", marker)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return str(response.read().decode("utf-8", "replace"))
    except OSError:
        return ""


class Server:
    """A live-reloading dev server of a project copy on 127.0.0.1."""

    def __init__(
        self,
        command: list[str],
        cwd: Path,
        env: dict[str, str],
        *,
        path: str = "reference/background/",
        ready: str = "BackgroundTasks",
        edit: Callable[[Path, str], None] | None = None,
    ) -> None:
        self.edit = edit or (lambda cwd, marker: edit_page(cwd / EDITED_PAGE, marker))
        self.port = free_port()
        self.cwd = cwd
        self.process = subprocess.Popen(
            [*command, "--dev-addr", f"127.0.0.1:{self.port}"],
            cwd=cwd,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}/{path}"
        self.wait_for(lambda html: ready in html, timeout=180)

    def wait_for(self, ready: Callable[[str], bool], timeout: float) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if ready(fetch(self.url)):
                return time.perf_counter() - start
            time.sleep(0.05)
        raise SystemExit(f"bench: {self.url} did not change within {timeout} s")

    def edit_round_trip(self, marker: str) -> float:
        """Seconds from saving an edit to the served page showing it."""
        # Let the watcher settle after the previous rebuild.
        time.sleep(1.0)
        self.edit(self.cwd, marker)
        return self.wait_for(lambda html: f"Bench edit {marker}." in html, timeout=120)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def print_table(
    times: dict[str, list[float]],
    peaks: dict[str, float],
    cpu: dict[str, list[float]] | None = None,
) -> None:
    """Each measurement's median, min and max seconds, peak MiB (and median CPU seconds)."""
    cpu_head = f" {'CPU s':>8}" if cpu is not None else ""
    print(f"\n{'measurement':<40} {'median':>8} {'min':>8} {'max':>8}{cpu_head} {'peak MiB':>9}")
    for name, values in times.items():
        peak = f"{peaks[name]:9.0f}" if name in peaks else f"{'-':>9}"
        cpu_cell = ""
        if cpu is not None:
            cpu_cell = f" {statistics.median(cpu[name]):7.2f}s" if name in cpu else f" {'-':>8}"
        print(
            f"{name:<40} {statistics.median(values):7.2f}s {min(values):7.2f}s "
            f"{max(values):7.2f}s{cpu_cell} {peak}"
        )
    print()


def write_figures(
    path: Path,
    runs: int,
    rows: tuple[dict[str, list[float]], dict[str, float], dict[str, float]],
    cold_cpu: dict[str, list[float]],
    ratios: dict[str, float | None],
    **more: object,
) -> None:
    """The figures as JSON at ``path``, with the machine they were measured on.

    ``rows`` are the seconds, their medians and the peak MiB of each row;
    ``more`` what a bench adds (the package, its absolute figures).
    """
    seconds, medians, peaks = rows
    figures = {
        **more,
        "runs": runs,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "seconds": seconds,
        "median_seconds": medians,
        "peak_mib": peaks,
        "cold_cpu_seconds": cold_cpu,
        "ratios": ratios,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2))


def print_ratios(ratios: dict[str, float | None]) -> None:
    for name, value in ratios.items():
        print(f"{name:<60} {'n/a' if value is None else f'{value:.2f}x'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds per measurement (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--no-serve", action="store_true", help="skip the serve loops")
    parser.add_argument("--no-zensical", action="store_true", help="skip Zensical")
    parser.add_argument(
        "--with-versions",
        action="store_true",
        help="also one release cold against every locked release and the root (minutes)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    zensical = BIN / "zensical"
    use_zensical = not args.no_zensical and zensical.exists()

    times: dict[str, list[float]] = {}
    lookups: list[float] = []
    sizes: dict[str, int] = {}
    memory: dict[str, list[float]] = {}

    # CPU seconds of the cold rows: steadier than wall time, and they show how
    # much work each does, whatever the cores it was spread on.
    cold_cpu: dict[str, list[float]] = {}

    def record(name: str, figures: tuple[float, float] | tuple[float, float, float]) -> None:
        times.setdefault(name, []).append(figures[0])
        memory.setdefault(name, []).append(figures[1])
        if len(figures) == 3:
            cold_cpu.setdefault(name, []).append(figures[2])
        print(f"  {name:<28} {figures[0]:7.2f} s {figures[1]:7.0f} MiB", file=sys.stderr)

    mkdocs = [str(BIN / "mkdocs"), "build", "--strict"]
    with tempfile.TemporaryDirectory(prefix="refsite-bench-") as tmp:
        work = Path(tmp)
        ours = copy_project(work / "ours")
        plain = copy_project(work / "plain")
        zen = copy_project(work / "zensical")
        fixture = copy_project(work / "fixture", ROOT / "tests" / "fixtures" / "mini")
        shutil.copytree(ROOT / "tests/fixtures/mini/src", fixture / "src")
        config = fixture / "mkdocs.yml"
        config.write_text(
            config.read_text().replace(
                "  - refsite:\n",
                "  - refsite:\n      enabled: !ENV [REFSITE_ENABLED, true]\n"
                "      cache_dir: !ENV [REFSITE_CACHE_DIR, .cache/refsite]\n",
            )
        )
        cache = {"REFSITE_CACHE_DIR": str(work / "cache")}
        fixture_cache = {"REFSITE_CACHE_DIR": str(work / "fixture-cache")}
        baseline = {"REFSITE_ENABLED": "false"}
        docstring = fixture / "src/minipkg/colours.py"

        for run in range(1, args.runs + 1):
            print(f"round {run}/{args.runs}", file=sys.stderr)
            shutil.rmtree(work / "cache", ignore_errors=True)
            record("ours cold", timed_cpu(mkdocs, ours, cache))
            record("ours warm", timed(mkdocs, ours, cache))
            # The examples: every one run (no cache), and what a warm build pays.
            refsite = [str(BIN / "refsite"), "examples", ".", "--no-cache"]
            record("examples check, cold", timed(refsite, ours, cache))
            lookups.append(examples_lookup(ours, cache))
            if run == 1:
                sizes = extras_sizes(ours / "site")
            edit_page(ours / EDITED_PAGE, f"build-{run}")
            record("ours after page edit", timed(mkdocs, ours, cache))
            shutil.rmtree(work / "cache", ignore_errors=True)
            one_process = {**cache, "REFSITE_WORKERS": "1"}
            record("ours cold, 1 process", timed_cpu(mkdocs, ours, one_process))
            # What refsite adds, in CPU seconds: one process, no examples check
            # (a check neither plain MkDocs nor Zensical runs).
            shutil.rmtree(work / "cache", ignore_errors=True)
            no_examples_1 = {**one_process, "REFSITE_EXAMPLES": "false"}
            record("ours cold, 1 process, no examples", timed_cpu(mkdocs, ours, no_examples_1))
            # Compiled templates are kept per user, like .pyc files: this cold
            # build starts without them too.
            shutil.rmtree(work / "cache", ignore_errors=True)
            no_user = {**cache, "XDG_CACHE_HOME": str(work / f"user-cache-{run}")}
            record("ours cold, no user cache", timed(mkdocs, ours, no_user))
            record("baseline (plain MkDocs)", timed_cpu(mkdocs, plain, baseline))
            # The reader extras' cost: the same cold build without them.
            shutil.rmtree(work / "cache", ignore_errors=True)
            record("ours cold, extras off", timed(mkdocs, ours, {**cache, **EXTRAS_OFF}))
            # The examples check's cost: it runs every example, which neither
            # plain MkDocs nor Zensical does.
            shutil.rmtree(work / "cache", ignore_errors=True)
            no_examples = {**cache, "REFSITE_EXAMPLES": "false"}
            record("ours cold, no examples check", timed_cpu(mkdocs, ours, no_examples))
            if use_zensical:
                shutil.rmtree(zen / ".cache", ignore_errors=True)
                shutil.rmtree(zen / "site", ignore_errors=True)
                record("zensical cold", timed_cpu([str(zensical), "build"], zen, {}))
                edit_page(zen / EDITED_PAGE, f"zensical-{run}")
                record("zensical after page edit", timed([str(zensical), "build"], zen, {}))
            # The cost of a docstring edit, on the fixture package.
            fixture_build = ["--config-file", str(fixture / "mkdocs.yml")]
            timed([*mkdocs, *fixture_build], fixture, fixture_cache)
            docstring.write_text(
                docstring.read_text().replace("The colour", f"Round {run}: the colour", 1)
            )
            record(
                "fixture docstring edit, ours",
                timed([*mkdocs, *fixture_build], fixture, fixture_cache),
            )
            docstring.write_text(docstring.read_text().replace("the colour", "The colour", 1))
            record(
                "fixture docstring edit, plain",
                timed(
                    [*mkdocs, *fixture_build],
                    fixture,
                    {**fixture_cache, "REFSITE_ENABLED": "false"},
                ),
            )

        if not args.no_serve:
            shutil.rmtree(work / "cache", ignore_errors=True)
            serve = [str(BIN / "mkdocs"), "serve"]
            floor = make_floor_site(work / "floor")

            colours = fixture / "src/minipkg/colours.py"
            original = colours.read_text()

            def edit_docstring(cwd: Path, marker: str) -> None:
                colours.write_text(
                    original.replace('"""Primary colours.', f'"""Bench edit {marker}. Primary', 1)
                )

            servers = [
                # What scripts/serve runs.
                ("serve edit, ours", [*serve, "--dirty"], ours, cache, {}),
                # What most users type: no --dirty (a copy of its own, since
                # every server rebuilds on an edit of its folder).
                (
                    "serve edit, ours bare",
                    serve,
                    copy_project(work / "ours-bare"),
                    {**cache, "REFSITE_CACHE_DIR": str(work / "cache-bare")},
                    {},
                ),
                ("serve edit, plain MkDocs", serve, plain, baseline, {}),
                (
                    "serve docstring edit, fixture",
                    [*serve, "--dirty", "--config-file", str(fixture / "mkdocs.yml")],
                    fixture,
                    fixture_cache,
                    {"path": "api/colours/", "ready": "Primary colours", "edit": edit_docstring},
                ),
                # MkDocs' own watcher floor: a one-page site, polling or told by the OS.
                (
                    "serve floor, polling",
                    [*serve, "--dirty"],
                    floor,
                    {"FLOOR_EVENTS": "false"},
                    {"path": "", "ready": "Floor", "edit": edit_floor},
                ),
                (
                    "serve floor, events",
                    [*serve, "--dirty"],
                    floor,
                    {"FLOOR_EVENTS": "true"},
                    {"path": "", "ready": "Floor", "edit": edit_floor},
                ),
            ]
            if use_zensical:
                servers.append(("serve edit, zensical", [str(zensical), "serve"], zen, {}, {}))
            started = []
            try:
                for name, cmd, cwd, env, extra in servers:
                    started.append((name, Server(cmd, cwd, env, **extra)))
                for run in range(1, args.runs + 1):
                    for name, server in started:
                        # A quarter-second round trip varies by as much between
                        # two edits: a few per round steady its median. A slow
                        # server (plain MkDocs' full rebuild) needs no more.
                        slow = any(t > SLOW_SERVE for t in times.get(name, ()))
                        for _ in range(1 if slow else SERVE_EDITS):
                            seconds = server.edit_round_trip(f"serve-{run}-{time.time_ns()}")
                            times.setdefault(name, []).append(seconds)
                            print(f"  {name:<32} {seconds:7.2f} s", file=sys.stderr)
            finally:
                for _, server in started:
                    server.stop()

    cpu: dict[str, float] = {}
    if args.with_versions:
        # The versioned site's rows (scripts/bench_versions.py), in this table:
        # one release cold against every locked release and the root, cold.
        from bench_versions import measure as measure_versions

        with tempfile.TemporaryDirectory(prefix="refsite-bench-versions-") as folder:
            rows = measure_versions(Path(folder), "declared", select_all=False, runs=args.runs)
        for name, seconds, peak_mib, cpu_seconds in rows:
            if not name.startswith("download"):
                times[name], memory[name], cpu[name] = [seconds], [peak_mib], cpu_seconds

    medians = {name: statistics.median(values) for name, values in times.items()}
    peaks = {name: max(values) for name, values in memory.items()}

    def ratio(a: str, b: str) -> float | None:
        return medians[a] / medians[b] if a in medians and b in medians else None

    def cpu_ratio(a: str, b: str) -> float | None:
        if a not in cold_cpu or b not in cold_cpu:
            return None
        return statistics.median(cold_cpu[a]) / statistics.median(cold_cpu[b])

    ratios_extras = ratio("ours cold", "ours cold, extras off")
    ours_peak = max(
        (peak for name, peak in peaks.items() if name.startswith(("ours", "fixture"))),
        default=None,
    )
    ratios = {
        "serve edit / zensical serve edit (target <= 1.0)": ratio(
            "serve edit, ours", "serve edit, zensical"
        ),
        "bare mkdocs serve edit / zensical serve edit (target <= 1.0)": ratio(
            "serve edit, ours bare", "serve edit, zensical"
        ),
        "serve edit / plain MkDocs serve edit": ratio(
            "serve edit, ours", "serve edit, plain MkDocs"
        ),
        "after page edit / zensical after page edit (target <= 0.5)": ratio(
            "ours after page edit", "zensical after page edit"
        ),
        "cold / baseline (target <= 0.7)": ratio("ours cold", "baseline (plain MkDocs)"),
        "cold / zensical cold (target <= 0.8)": ratio("ours cold", "zensical cold"),
        "cold / baseline in CPU seconds": cpu_ratio("ours cold", "baseline (plain MkDocs)"),
        "cold / zensical cold in CPU seconds": cpu_ratio("ours cold", "zensical cold"),
        "cold / cold in 1 process": ratio("ours cold", "ours cold, 1 process"),
        "cold 1 process, no examples / baseline, CPU seconds (target <= 1.1)": cpu_ratio(
            "ours cold, 1 process, no examples", "baseline (plain MkDocs)"
        ),
        "peak MiB, largest of ours / baseline (target <= 1.2)": (
            max(v for k, v in peaks.items() if k.startswith("ours cold"))
            / peaks["baseline (plain MkDocs)"]
            if peaks.get("baseline (plain MkDocs)")
            else None
        ),
        "cold without the user's compiled templates / baseline": ratio(
            "ours cold, no user cache", "baseline (plain MkDocs)"
        ),
        "cold / cold without llms and source links": ratios_extras,
        "cold without the examples check / baseline": ratio(
            "ours cold, no examples check", "baseline (plain MkDocs)"
        ),
        "cold without the examples check / zensical cold": ratio(
            "ours cold, no examples check", "zensical cold"
        ),
        "warm / baseline (target <= 0.10)": ratio("ours warm", "baseline (plain MkDocs)"),
        "10 releases + root / one release, cold (target <= 3)": ratio(
            "10 releases + root, cold", "one release, cold (mkdocs build)"
        ),
        "the same in CPU seconds (target <= 3)": (
            cpu["10 releases + root, cold"] / cpu["one release, cold (mkdocs build)"]
            if cpu.get("one release, cold (mkdocs build)") and "10 releases + root, cold" in cpu
            else None
        ),
        "fixture docstring edit / plain": ratio(
            "fixture docstring edit, ours", "fixture docstring edit, plain"
        ),
    }
    absolute = {
        "serve docstring edit, fixture (target <= 1.0 s)": medians.get(
            "serve docstring edit, fixture"
        ),
        "serve floor saved by events (polling - events)": (
            medians["serve floor, polling"] - medians["serve floor, events"]
            if "serve floor, polling" in medians and "serve floor, events" in medians
            else None
        ),
        **{f"{name}, CPU seconds": statistics.median(values) for name, values in cold_cpu.items()},
        "peak MiB of one of our processes (target <= 150)": ours_peak,
        "Markdown twins / HTML (target <= 0.40)": (
            sizes["twins"] / sizes["html"] if sizes.get("html") else None
        ),
        "llms.txt KiB": sizes.get("llms.txt", 0) / 1024,
        "examples in a warm build, ms (target: nothing measurable)": (
            statistics.median(lookups) if lookups else None
        ),
        "source links in the HTML": sizes.get("source links"),
    }
    print_table(times, peaks)
    print_ratios(ratios)
    for name, value in absolute.items():
        print(f"{name:<60} {'n/a' if value is None else f'{value:.2f}'}")
    if args.json:
        write_figures(
            args.json, args.runs, (times, medians, peaks), cold_cpu, ratios, absolute=absolute
        )
        print(f"\nfigures written to {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
