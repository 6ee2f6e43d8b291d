"""refsite's search helpers: lxml-fed indexing equals Material's, and the object boost."""

from __future__ import annotations

import pytest
from material.plugins.search.plugin import Parser

from refsite.extras.search import boost_sections, feed_tree
from refsite.internals.material import _Context, _Skip


def _sections(parser: Parser) -> list[tuple[object, str, str, bool]]:
    return [(s.id, "".join(s.title), "".join(s.text), s.is_excluded()) for s in parser.data]


@pytest.mark.parametrize(
    "html",
    [
        '\n<h1 id="t">Title<a class="headerlink" href="#t">¶</a></h1>\n<p>Intro &amp; more</p>',
        "Preface text <em>before</em> any heading<h2 id='a'>A</h2><p>x</p>",
        '<h2 id="a">A</h2><!-- a comment --><p>after the comment<br>and a break</p>',
        '<h2 id="a">A <code>code</code></h2><pre><code>line 1\n\n  line 2\n</code></pre>',
        '<div data-search-exclude><h2 id="hidden">Hidden</h2><p>not indexed</p></div><h2 id="b">B</h2>',
        '<table class="highlighttable"><tr><td class="linenos"><div class="linenodiv">1</div></td>'
        "<td><pre>code</pre></td></tr></table>",
        '<h2 id="a">A</h2><ul><li><p>one</p></li><li>  </li></ul><img src="x.png" alt="i">',
        '<div><h2 id="n">Nested</h2><p>in</p></div><p>out <code>c</code></p><pre>p</pre><h3 id="m">M</h3>',
        "<script>x</script><div data-search-exclude><div><p>a</p></div></div><div><p>b</p></div>",
        "",
    ],
    ids=[
        "heading",
        "preface",
        "comment-void",
        "code",
        "excluded",
        "linenos",
        "lists",
        "nested",
        "skip-by-tag",
        "empty",
    ],
)
@pytest.mark.parametrize("containers", ["materials", "counted"])
def test_lxml_fed_parser_builds_materials_sections(html: str, containers: str) -> None:
    theirs = Parser()
    theirs.feed(html)
    theirs.close()
    ours = Parser()
    if containers == "counted":  # what internals.lxml_add_entry gives each parser
        ours.context = _Context()
        ours.skip = _Skip(ours.skip)
    feed_tree(ours, html)
    assert _sections(ours) == _sections(theirs)


def test_boost_sections_marks_only_object_anchors() -> None:
    index = {
        "docs": [
            {"location": "reference/", "title": "Reference"},
            {"location": "reference/x/#pkg.X", "title": "X"},
            {"location": "reference/x/#intro", "title": "Intro"},
            {"location": "reference/x/#pkg.Y", "title": "Y", "boost": 0.5},
        ]
    }
    assert boost_sections(index, {"pkg.X", "pkg.Y"}, 4) == 1
    assert [d.get("boost") for d in index["docs"]] == [None, 4, None, 0.5]
