"""README.md and ARCHITECTURE.md say only what is so.

Everything is found by reading the two files, never listed here:

- every repository path they name exists (backticked, or a Markdown link),
  and every dotted name of refsite's (`refsite.speed.reuse`,
  `core.store.Store`, a plugin option such as `history.file`) resolves;
- every list of `src/refsite/`'s packages names each of them;
- every command they show parses with refsite's own parser, each refsite
  command they name exists and its `--help` runs, and every `scripts/NAME`
  they run is an executable script;
- every FastAPI release they name is in the lock the site builds from.

Each checker is a function of text or of one token, so the last tests feed
them a bad snippet and expect each problem to be found.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import importlib.util
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from refsite.cli import main as cli
from refsite.cli.mkdocs_yml import SiteConfig, read_config
from refsite.releases.lock import load_lock

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "refsite"
DOCS = ("README.md", "ARCHITECTURE.md")

# What a path-looking token ends with when it names a file.
SUFFIXES = (".py", ".yml", ".yaml", ".toml", ".md", ".json", ".txt", ".js", ".cfg", ".sh")
SHELL_LANGUAGES = ("", "sh", "bash", "shell", "console")
VERSION = r"\d+\.\d+(?:\.\d+)?"
# A version on its own: not part of an address (127.0.0.1) or a longer word.
LONE_VERSION = rf"(?<![\w.]){VERSION}(?![\w.])"


@dataclass(frozen=True)
class Found:
    """One thing a document says, where it says it."""

    doc: str
    line: int
    text: str
    after: str = ""
    """The text right after it (a branch name is followed by "branch")."""

    def __str__(self) -> str:
        return f"{self.doc}:{self.line}: {self.text}"


# -- Reading Markdown -------------------------------------------------------


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def fences(text: str) -> Iterator[tuple[str, int, list[str]]]:
    """Each fenced code block: its language, the line of its first content line, its lines."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        # CommonMark: a backtick fence's info string holds no backtick, so
        # ```` ```python no_run ```` at the start of a line is inline code.
        opening = re.match(r" {0,3}(`{3,}(?=[^`]*$)|~{3,})(.*)$", lines[i])
        if not opening:
            i += 1
            continue
        marker, language = opening[1], opening[2].strip().split(" ")[0].lower()
        start, i = i + 1, i + 1
        while i < len(lines) and not re.fullmatch(
            rf" {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*", lines[i]
        ):
            i += 1
        yield language, start + 1, lines[start:i]
        i += 1


def prose(text: str) -> str:
    """``text`` with its fenced blocks blanked, markers included (line numbers kept)."""
    lines = text.splitlines(keepends=True)
    for _, first, body in fences(text):
        # From the opening marker's line to the closing one's (if any).
        for n in range(first - 2, min(first + len(body), len(lines))):
            lines[n] = "\n"
    return "".join(lines)


def code_spans(doc: str, text: str) -> Iterator[Found]:
    """Each inline code span outside fences, its white space collapsed (spans wrap lines)."""
    outside = prose(text)
    for span in re.finditer(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", outside, re.DOTALL):
        if re.search(r"\n\s*\n", span[2]):
            continue  # a paragraph break: not one span
        content = " ".join(span[2].split())
        yield Found(doc, _line(outside, span.start()), content, outside[span.end() :][:20])


def link_targets(doc: str, text: str) -> Iterator[Found]:
    """Each Markdown link's target outside fences."""
    outside = prose(text)
    for link in re.finditer(r"\]\(([^)\s]+)\)", outside):
        yield Found(doc, _line(outside, link.start()), link[1].split("#")[0])


def shell_lines(doc: str, text: str) -> Iterator[Found]:
    """Each command line of the shell fences: continuations joined, prompts dropped.

    A fence without a language is read as shell too: only the lines that run
    refsite or a script are checked, so anything else in one costs nothing.
    """
    for language, first, body in fences(text):
        if language not in SHELL_LANGUAGES:
            continue
        pending, start = "", first
        for n, raw in enumerate(body, first):
            line = raw
            if language == "console":
                if not line.startswith("$ ") and not pending:
                    continue  # output, not a command
                line = line.removeprefix("$ ")
            if not pending:
                start = n
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            yield Found(doc, start, (pending + line).strip())
            pending = ""


def simple_commands(line: str) -> list[list[str]]:
    """The words of each simple command in a shell line.

    Comments go; ``&&``, ``||``, ``;`` and pipes separate commands; a
    redirection ends one; ``NAME=value`` words before the program go.
    """
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    redirected = False
    for word in lexer:
        if word and set(word) <= set("&|;()"):
            commands.append([])
            redirected = False
        elif word and set(word) <= set("<>"):
            redirected = True
        elif not redirected:
            commands[-1].append(word)
    found = []
    for words in commands:
        while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
            words = words[1:]
        if words:
            found.append(words)
    return found


def refsite_argv(words: list[str]) -> list[str] | None:
    """The arguments of a refsite invocation (``refsite``, ``.venv/bin/refsite``,
    ``python -m refsite``), or None for another program."""
    program = Path(words[0]).name
    if program == "refsite":
        return words[1:]
    if re.fullmatch(r"python(3(\.\d+)?)?", program) and words[1:3] == ["-m", "refsite"]:
        return words[3:]
    return None


# -- What the documents name ------------------------------------------------


def path_like(token: str) -> bool:
    return "/" in token or token.endswith(SUFFIXES)


def named_paths(doc: str, text: str) -> Iterator[Found]:
    """Backticked tokens that look like paths (the first word: a command's program), and link targets."""
    for span in code_spans(doc, text):
        word = span.text.split(" ")[0]
        if path_like(word):
            yield Found(doc, span.line, word, span.after if word == span.text else "")
    for link in link_targets(doc, text):
        if link.text:
            yield link


def named_modules(doc: str, text: str) -> Iterator[Found]:
    """Module names in the package table's third column (``core/`` | job | `store` (...), ...).

    Each module is the backticked word that starts an item; what the
    parentheses after it say is prose.
    """
    for line_number, row in _table_rows(text, "package"):
        package, modules = row[0].strip("` "), row[2]
        while re.search(r"\([^()]*\)", modules):
            modules = re.sub(r"\([^()]*\)", "", modules)
        for name in re.findall(r"`([^`]+)`", modules):
            yield Found(doc, line_number, f"{package.rstrip('/')}/{name}")


def _table_rows(text: str, first_header: str) -> Iterator[tuple[int, list[str]]]:
    """The body rows of each table whose first header cell is ``first_header``."""
    header: list[str] | None = None
    for n, line in enumerate(prose(text).splitlines(), 1):
        if not line.startswith("|"):
            header = None
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif header[0] == first_header and not set(cells[0]) <= set("-: "):
            yield n, cells


def package_lists(doc: str, text: str) -> Iterator[Found]:
    """Each list of ``src/refsite/``'s packages: a list item that opens with
    `src/refsite/`, or a table whose first column is "package". The text is
    the names it gives, space-separated."""
    outside = prose(text)
    for item in re.finditer(r"^- `src/refsite/`(.*?)(?=^- |^\s*$)", outside, re.M | re.S):
        names = re.findall(r"`([a-z_]+)/`", item[1])
        yield Found(doc, _line(outside, item.start()), " ".join(names))
    rows = list(_table_rows(text, "package"))
    if rows:
        names = [row[0].strip("`/ ") for _, row in rows]
        yield Found(doc, rows[0][0], " ".join(names))


def dotted_names(doc: str, text: str) -> Iterator[Found]:
    """Backticked dotted names of refsite's: `refsite.x.y`, or one that starts
    with a package of refsite's or a section of the plugin's options
    (`core.store.Store`, `history.file`). Other packages' names (`fastapi.status`)
    are not refsite's to keep."""
    roots = {"refsite", *subpackages(), *option_sections()}
    for span in code_spans(doc, text):
        name = re.sub(r"\(.*\)$", "", span.text)
        if (
            re.fullmatch(r"[A-Za-z_]\w*(\.\w+)+", name)
            and not name.endswith(SUFFIXES)
            and name.split(".")[0] in roots
        ):
            yield Found(doc, span.line, name)


def commands(doc: str, text: str) -> Iterator[Found]:
    """Each simple command of the shell fences, as a shell line."""
    for line in shell_lines(doc, text):
        for words in simple_commands(line.text):
            yield Found(doc, line.line, shlex.join(words))


def command_names(doc: str, text: str) -> Iterator[Found]:
    """Backticked mentions of a refsite command in prose (`refsite changes OLD NEW`).

    They name a command, often without its arguments, so only the command
    is checked there; the fences' commands are parsed whole.
    """
    for span in code_spans(doc, text):
        words = span.text.split(" ")
        if len(words) > 1 and refsite_argv(words):
            yield span


def release_versions(doc: str, text: str) -> Iterator[Found]:
    """Each FastAPI release named, where the words around it make it one.

    A version counts when it is
    - what a build renders: `REFSITE_RELEASE=0.160`;
    - a release's folder in a site address, `/0.160/reference/...` or
      `site/0.160` (the versioned site's folders);
    - the tag of a source link, `fastapi/blob/0.163.2/`;
    - right after the package's name, "FastAPI 0.164";
    - an argument of `refsite changes` or `refsite upgrade`.
    Everything else with dots and digits is not a release of the site: a
    tool's version (MkDocs 1.6, Python 3.11, Zensical 0.0.73), a timing, a
    version of another package (click 8.5.1), a configuration example
    (`select: ["0.115"]`), or a fact of FastAPI's past ("FastAPI before
    0.120", "0.100's Starlette"), which the API history covers from 0.100.0.
    """
    settings = site_settings()
    package, label, site_dir = settings["package"], settings["label"], settings["site_dir"]
    contexts = [
        rf"REFSITE_RELEASE=({VERSION})(?![\w.])",
        rf"(?:^|(?<=[\s(`]))(?:{re.escape(site_dir)})?/({VERSION})(?=[/\s`)]|$)",
        rf"\b{re.escape(package)}/blob/({VERSION})/",
        rf"\b{re.escape(label)} ({LONE_VERSION})",
    ]
    for context in contexts:
        for match in re.finditer(context, text, re.M | re.I):
            yield Found(doc, _line(text, match.start(1)), match[1])
    mentions = [*commands(doc, text), *command_names(doc, text)]
    for mention in mentions:
        argv = refsite_argv(mention.text.split()) or []
        if argv[:1] in (["changes"], ["upgrade"]):
            for word in argv[1:]:
                if re.fullmatch(LONE_VERSION, word):
                    yield Found(doc, mention.line, word)


# -- What is so -------------------------------------------------------------


@functools.cache
def subpackages() -> frozenset[str]:
    return frozenset(p.parent.name for p in SRC.glob("*/__init__.py"))


@functools.cache
def site_config() -> SiteConfig:
    """This site's ``mkdocs.yml``, read as the build reads it."""
    return read_config(ROOT / "mkdocs.yml")


@functools.cache
def site_settings() -> dict[str, str]:
    config = site_config()
    releases = config.refsite.releases
    assert releases.package, "mkdocs.yml names no releases.package: no versioned site"
    return {
        "package": releases.package,
        "label": releases.label or releases.package,
        "site_dir": str(config.site_dir),
        "lock": str(config.resolve(releases.lock)),
    }


@functools.cache
def option_sections() -> frozenset[str]:
    """The sections of the plugin's options (`history`, `releases`, ...)."""
    return frozenset(k for k, v in site_config().refsite.items() if isinstance(v, Mapping))


@functools.cache
def locked_versions() -> tuple[str, ...]:
    return tuple(r.version for r in load_lock(Path(site_settings()["lock"])).releases)


@functools.cache
def repository_names() -> frozenset[str]:
    """The name of every file and folder of the repository (tracked, or new and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    names: set[str] = set()
    for path in listed:
        if (ROOT / path).exists():
            parts = Path(path).parts
            names.update(parts[:-1])
            names.add(parts[-1])
    return frozenset(names)


@functools.cache
def names_in_code() -> str:
    """refsite's code, where the names of what it writes are string literals."""
    return "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))


@functools.cache
def is_ignored(path: str) -> bool:
    """Whether git ignores ``path``: what builds and tools make (site/, .cache/, .venv/)."""
    checked = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
    return checked.returncode == 0


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` is an importable module or an attribute of one."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            spec = importlib.util.find_spec(".".join(parts[:i]))
        except ImportError:
            spec = None  # a parent is a module, not a package
        if spec is None:
            continue
        obj = importlib.import_module(".".join(parts[:i]))
        for attribute in parts[i:]:
            if not hasattr(obj, attribute):
                return False
            obj = getattr(obj, attribute)
        return True
    return False


def skipped(found: Found) -> str | None:
    """Why a path-looking token is no repository path, or None when it is one.

    The rules, each for a kind of token the documents must be free to write:
    - an address: a URL, a path on the served site (`/llms.txt`,
      `/X.Y/`) or relative to a page (`../../`), not a file here;
    - a pattern: `<N>`, `*`, `$VAR`, `~`, `[...]`, or an ALL-CAPS
      placeholder word (`cli/X.py`, `docs/reference/MODULE.md`) in a path
      that does not exist as written;
    - a git branch (`the refsite/upgrade branch`);
    - what git ignores: builds' and tools' output (`site/...`, `.cache/...`).
    """
    token = found.text
    if "://" in token or token.startswith(("/", "../", "#", "mailto:")):
        return "an address"
    if re.search(r"[<>*$~\[\]{}]", token) or (
        re.search(r"(?<![A-Za-z])[A-Z]+(?![a-z])", token) and not (ROOT / token).exists()
    ):
        return "a pattern"
    if found.after.startswith(" branch"):
        return "a branch"
    if is_ignored(token):
        return "ignored by git: what a build or a tool makes"
    return None


def path_problem(found: Found) -> str | None:
    """What is wrong with a path a document names, or None."""
    if skipped(found):
        return None
    token = found.text
    if (ROOT / token).exists() or (SRC / token).exists():
        return None
    # A module written relative to src/refsite: `speed/shared_pages`, `speed/reuse.fingerprint`.
    if not token.endswith(SUFFIXES) and resolves("refsite." + token.strip("/").replace("/", ".")):
        return None
    # A bare name (`lock.txt`, `absent.json`, `parsed/`): a file or folder of
    # the repository, or one refsite's code names (a store namespace, a file it writes).
    name = token.removesuffix("/")
    if "/" not in name and (
        name in repository_names() or re.search(rf"[\"']{re.escape(name)}[\"']", names_in_code())
    ):
        return None
    return f"{found}: no such path (in the repository or src/refsite/)"


def dotted_problem(found: Found) -> str | None:
    name = found.text
    if resolves(name if name.startswith("refsite.") else "refsite." + name):
        return None
    section, _, option = name.partition(".")
    if section in option_sections() and option in site_config().refsite[section]:
        return None  # a plugin option: `history.file`
    return f"{found}: no module, attribute or plugin option of that name"


def package_list_problem(found: Found) -> str | None:
    named = set(found.text.split())
    missing, extra = sorted(subpackages() - named), sorted(named - subpackages())
    if not missing and not extra:
        return None
    return f"{found.doc}:{found.line}: the package list lacks {missing}, names no package {extra}"


def parse(argv: list[str]) -> tuple[int, str]:
    """The exit status refsite's parser gives ``argv`` (0: it parses), and what it said."""
    said = io.StringIO()
    try:
        with contextlib.redirect_stderr(said), contextlib.redirect_stdout(said):
            cli._parser().parse_args(argv)
    except SystemExit as stop:
        return (stop.code if isinstance(stop.code, int) else 1), said.getvalue()
    return 0, ""


def command_problem(found: Found) -> str | None:
    words = shlex.split(found.text)
    argv = refsite_argv(words)
    if argv is not None:
        status, said = parse(argv)
        return f"{found}: refsite's parser refuses it: {said.strip()}" if status else None
    if words[0].startswith("scripts/"):
        return script_problem(Found(found.doc, found.line, words[0]))
    return None


def script_problem(found: Found) -> str | None:
    script = ROOT / found.text
    if script.is_file() and os.access(script, os.X_OK):
        return None
    return f"{found}: no executable script {found.text}"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def command_name_problem(found: Found) -> str | None:
    """A command named in prose exists (`refsite cache prune`: both words)."""
    words = refsite_argv(found.text.split(" ")) or []
    parser = cli._parser()
    for word in words:
        if word.startswith("-"):
            break
        choices = _subcommands(parser)
        if not choices:
            break
        if word not in choices:
            return f"{found}: refsite has no command {word!r}"
        parser = choices[word]
    return None


def version_problem(found: Found) -> str | None:
    version, locked = found.text, locked_versions()
    minor = version.count(".") == 1
    if version in locked or (minor and any(v.startswith(version + ".") for v in locked)):
        return None
    return f"{found}: not a release of the lock ({', '.join(locked)})"


# -- The tests ----------------------------------------------------------------


Finder = Callable[[str, str], Iterator[Found]]


def _each(finder: Finder) -> list[Found]:
    return [item for doc in DOCS for item in finder(doc, (ROOT / doc).read_text(encoding="utf-8"))]


PATHS = _each(named_paths) + _each(named_modules)
DOTTED = _each(dotted_names)
PACKAGE_LISTS = _each(package_lists)
COMMANDS = [c for c in _each(commands) if refsite_argv(shlex.split(c.text)) is not None]
SCRIPTS = [
    Found(f.doc, f.line, f.text.split(" ")[0])
    for f in [*_each(commands), *_each(code_spans)]
    if f.text.startswith("scripts/")
]
COMMAND_NAMES = _each(command_names)
VERSIONS = _each(release_versions)


@pytest.mark.parametrize("found", PATHS, ids=str)
def test_named_path_exists(found: Found) -> None:
    assert path_problem(found) is None, path_problem(found)


@pytest.mark.parametrize("found", DOTTED, ids=str)
def test_dotted_name_resolves(found: Found) -> None:
    assert dotted_problem(found) is None, dotted_problem(found)


@pytest.mark.parametrize("found", PACKAGE_LISTS, ids=str)
def test_package_list_is_complete(found: Found) -> None:
    assert package_list_problem(found) is None, package_list_problem(found)


@pytest.mark.parametrize("found", COMMANDS, ids=str)
def test_refsite_command_parses(found: Found) -> None:
    assert command_problem(found) is None, command_problem(found)


@pytest.mark.parametrize("found", SCRIPTS, ids=str)
def test_script_is_executable(found: Found) -> None:
    assert script_problem(found) is None, script_problem(found)


@pytest.mark.parametrize("found", COMMAND_NAMES, ids=str)
def test_named_command_exists(found: Found) -> None:
    assert command_name_problem(found) is None, command_name_problem(found)


@pytest.mark.parametrize("found", VERSIONS, ids=str)
def test_named_release_is_locked(found: Found) -> None:
    assert version_problem(found) is None, version_problem(found)


def _shown_subcommands() -> list[str]:
    names = set()
    for found in [*COMMANDS, *COMMAND_NAMES]:
        argv = refsite_argv(found.text.split()) or []
        words = [w for w in argv if not w.startswith("-")]
        if words and words[0] in _subcommands(cli._parser()):
            names.add(words[0])
    return sorted(names)


@pytest.fixture(scope="module")
def helps() -> Iterator[dict[str, subprocess.Popen[str]]]:
    """`refsite SUB --help` of every command shown, started at once (they run side by side)."""
    program = Path(sys.executable).parent / "refsite"
    started = {
        name: subprocess.Popen(
            [str(program), name, "--help"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in _shown_subcommands()
    }
    yield started
    for process in started.values():
        if process.returncode is None:  # one that -k left out
            process.communicate(timeout=60)


@pytest.mark.parametrize("name", _shown_subcommands())
def test_shown_command_help_runs(helps: dict[str, subprocess.Popen[str]], name: str) -> None:
    output, _ = helps[name].communicate(timeout=60)
    assert helps[name].returncode == 0, output
    assert f"usage: refsite {name}" in output


def test_the_documents_name_something_of_each_kind() -> None:
    """A finder that silently finds nothing would pass every check above."""
    for items in (PATHS, DOTTED, PACKAGE_LISTS, COMMANDS, SCRIPTS, COMMAND_NAMES, VERSIONS):
        assert items


BAD = """\
The code lies in `src/refsite/nowhere.py` and `speed/nothing`; see
[that](missing.md). `refsite.speed.nothing`, `core.store.Nothing` and
`history.nothing` are names. `refsite nosuch` runs.

- `src/refsite/`: `checks/` and `core/`.

```sh
REFSITE_RELEASE=0.99 .venv/bin/refsite build --no-such-option
refsite changes 0.99.1 0.98.2 && scripts/nosuch --flag
```

Served at `/0.98/reference/` and built from FastAPI 0.97.1
(`https://github.com/fastapi/fastapi/blob/0.96.0/fastapi/applications.py`).
"""


def _problems(finder: Finder, check: Callable[[Found], str | None]) -> list[str]:
    return [p for p in (check(f) for f in finder("BAD.md", BAD)) if p]


def test_checkers_catch_a_bad_snippet() -> None:
    paths = _problems(named_paths, path_problem)
    assert any("src/refsite/nowhere.py" in p for p in paths)
    assert any("speed/nothing" in p for p in paths)
    assert any("missing.md" in p for p in paths)
    dotted = _problems(dotted_names, dotted_problem)
    assert len(dotted) == 3, dotted
    assert _problems(package_lists, package_list_problem)
    refused = _problems(commands, command_problem)
    assert any("--no-such-option" in p for p in refused), refused
    assert any("scripts/nosuch" in p for p in refused), refused
    assert _problems(command_names, command_name_problem)
    versions = sorted(
        f.text for f in release_versions("BAD.md", BAD) if version_problem(f) is not None
    )
    # Releases before the API history's 0.100.0: never in a lock of this site.
    assert versions == ["0.96.0", "0.97.1", "0.98", "0.98.2", "0.99", "0.99.1"]


def test_checkers_pass_a_true_snippet() -> None:
    newest = locked_versions()[0]
    minor = newest.rsplit(".", 1)[0]
    good = (
        "`src/refsite/history/changes.py`, `speed/reuse.fingerprint`, `checks/`,"
        f" `core.store.Store`, `history.file`, `refsite cache prune`, `/{minor}/`\n\n"
        f"```sh\nREFSITE_RELEASE={minor} .venv/bin/refsite build --versions  # a | b\n"
        f".venv/bin/refsite changes {newest} {newest} | head\n```\n"
    )
    problems = [
        *(path_problem(f) for f in named_paths("GOOD.md", good)),
        *(dotted_problem(f) for f in dotted_names("GOOD.md", good)),
        *(command_problem(f) for f in commands("GOOD.md", good)),
        *(command_name_problem(f) for f in command_names("GOOD.md", good)),
        *(version_problem(f) for f in release_versions("GOOD.md", good)),
    ]
    assert [p for p in problems if p] == []


def test_the_package_table_names_every_module() -> None:
    """Each module of a package (``src/refsite/<package>/<module>.py``) has its item in its row."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = {found.text for found in named_modules("ARCHITECTURE.md", text)}
    modules = {
        f"{path.parent.name}/{path.stem}"
        for path in (ROOT / "src" / "refsite").glob("*/*.py")
        if path.name != "__init__.py"
    }
    assert len(modules) > 90  # the glob sees refsite's modules
    assert sorted(modules - named) == []
