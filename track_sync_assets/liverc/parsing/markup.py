"""Small helpers over selectolax's lexbor tree shared by the LiveRC parsers."""

from __future__ import annotations

import re
from collections.abc import Iterable

from selectolax.lexbor import LexborHTMLParser, LexborNode

_LINE_BREAK_TAGS = frozenset({"br", "p", "div", "li", "tr", "hr"})
_SKIPPED_TAGS = frozenset({"script", "style", "template"})
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")
_MAINTENANCE = re.compile(r"maintenance|be back soon|temporarily unavailable", re.IGNORECASE)
_SNIPPET_LIMIT = 80


def parse_html(html: str) -> LexborHTMLParser:
    """Parse a page with lexbor (never raises for any text)."""
    return LexborHTMLParser(html)


def snippet(text: str | None, limit: int = _SNIPPET_LIMIT) -> str:
    """A short one-line quotation of page text for error messages."""
    folded = " ".join((text or "").split())
    if len(folded) > limit:
        folded = folded[: limit - 3] + "..."
    return f"'{folded}'"


def node_text(node: LexborNode | None) -> str | None:
    """The stripped text of a node, None when the node is absent or blank."""
    if node is None:
        return None
    text = node.text(deep=True).strip()
    return text or None


def attribute(node: LexborNode | None, name: str) -> str | None:
    """An attribute's stripped value, None when the node or value is absent or blank."""
    if node is None:
        return None
    return (node.attributes.get(name) or "").strip() or None


def css_classes(node: LexborNode) -> list[str]:
    """The node's class names."""
    return (node.attributes.get("class") or "").split()


def one_line(text: str) -> str:
    """Strip a text and join its source-formatting line breaks with a single space."""
    return _NEWLINES.sub(" ", text).strip()


def text_lines(nodes: Iterable[LexborNode]) -> list[str]:
    """The text of ``nodes`` split into lines at ``<br>`` (and block elements).

    Each line is stripped, source line breaks inside a line become one space,
    and blank lines are kept (callers decide what a blank line means).
    """
    lines: list[str] = [""]
    stack: list[LexborNode] = list(reversed(list(nodes)))
    while stack:
        node = stack.pop()
        tag = node.tag
        if tag == "-text":
            lines[-1] += node.text_content or ""
            continue
        if tag in _SKIPPED_TAGS or tag == "-comment":
            continue
        if tag in _LINE_BREAK_TAGS:
            lines.append("")
        stack.extend(reversed(list(node.iter(include_text=True))))
    return [one_line(line) for line in lines]


def page_title(tree: LexborHTMLParser) -> str | None:
    """The page's ``<title>`` text, stripped (None when absent or blank)."""
    return node_text(tree.css_first("title"))


def looks_like_maintenance(tree: LexborHTMLParser) -> bool:
    """Whether the page's title or heading announces maintenance or downtime."""
    for selector in ("title", "h1", "h2"):
        text = node_text(tree.css_first(selector))
        if text and _MAINTENANCE.search(text):
            return True
    return False


def describe_page(tree: LexborHTMLParser) -> str:
    """Say what kind of page this is, for 'wrong page' error messages."""
    if tree.css_first("table.track_list") is not None:
        return "the LiveRC track list"
    header = node_text(tree.css_first("h1.page-header"))
    if header and header.endswith("'s Dashboard"):
        return f"a track dashboard ({snippet(header)})"
    if looks_like_maintenance(tree):
        return f"a maintenance page (title {snippet(page_title(tree))})"
    title = page_title(tree)
    if title:
        return f"a page titled {snippet(title)}"
    if node_text(tree.body) is None:
        return "an empty page"
    return "a page without a title"
