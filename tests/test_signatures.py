"""Signatures formatted once per distinct text (speed.signatures) give Black's own layout."""

from __future__ import annotations

import black

from refsite.speed.signatures import FormatOnce


def _black(code: str, line_length: int) -> str:
    return black.format_str(code, mode=black.Mode(line_length=line_length))


SIGNATURE = (
    "def xxxxxxxx(self, path: {str}, *, response_model: {Any} = Default(None), "
    "status_code: int | None = None, tags: list[{str} | {Enum}] | None = None) -> {Callable}: pass"
)


def _with_keys(keys: dict[str, str]) -> str:
    return SIGNATURE.format(**keys)


def test_equal_signatures_are_formatted_once_and_each_gets_its_own_keys_back() -> None:
    stash: dict[str, str] = {}
    calls: list[str] = []

    def counting(code: str, line_length: int) -> str:
        calls.append(code)
        return _black(code, line_length)

    once = FormatOnce(counting, stash)
    first = {"str": "_a1", "Any": "_Zq9", "Enum": "_k2Mx", "Callable": "_P0oooooo"}
    second = {"str": "_b7", "Any": "_Q7b", "Enum": "_x9Ab", "Callable": "_r4tttttt"}
    outputs = []
    for keys in (first, second):
        stash.clear()
        stash.update({key: name for name, key in keys.items()})
        code = _with_keys(keys)
        outputs.append((once(code, 60), _black(code, 60)))
    assert len(calls) == 1
    for mine, blacks in outputs:
        assert mine == blacks
    assert "_a1" in outputs[0][0]
    assert "_b7" in outputs[1][0]
    assert once.calls == 1


def test_a_new_name_the_code_already_has_falls_back_to_formatting_the_text_itself() -> None:
    # "_Q0" is the first name of three characters FormatOnce would pick.
    code = "def xxxx(a: _k3, b: _Q0 = 1, c: _k3 | None = None, d: int = 10000000000000): pass"
    stash = {"_k3": "str"}
    once = FormatOnce(_black, stash)
    assert once(code, 40) == _black(code, 40)
    assert once(code, 40) == _black(code, 40)
    assert once.calls == 2  # never kept: the renamed text would not be this code's


def test_different_line_lengths_are_kept_apart() -> None:
    stash = {"_k3": "str"}
    code = "def xxxx(a: _k3, b: int = 1, c: _k3 | None = None, d: int = 10000000000000): pass"
    once = FormatOnce(_black, stash)
    assert once(code, 40) == _black(code, 40)
    assert once(code, 100) == _black(code, 100)
    assert once.calls == 2


HIGHLIGHT = """
import subprocess, sys
import markdown

TEXT = "\\n\\n".join(
    f"```{lang}\\n{code}\\n```"
    for lang, code in [
        ("python", "def f(x: int) -> str:\\n    return str(x)  # note"),
        ("py", "app = FastAPI(title='x')"),
        ("text", "plain <b>text</b>"),
        ("nosuchlanguage", "x = 1"),
        ("", "no language"),
        ("json", '{"a": [1, 2]}'),
    ]
) + "\\n\\nSome `#!python print('x')` inline."


def render():
    return markdown.markdown(
        TEXT * 2,
        extensions=["pymdownx.highlight", "pymdownx.superfences", "pymdownx.inlinehilite"],
        extension_configs={"pymdownx.highlight": {"anchor_linenums": True}},
    )


before = render()
from refsite import internals

assert internals.reuse_highlight_setup()
assert internals.reuse_highlight_setup()  # once: no wrapper around a wrapper
after = render()
assert after == before, (before, after)
assert render() == before
print("same", len(before))
"""


def test_lexers_and_style_classes_looked_up_once_give_the_same_html() -> None:
    import subprocess
    import sys

    # In a process of its own: the change is made once per process.
    done = subprocess.run(
        [sys.executable, "-c", HIGHLIGHT], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("same")
