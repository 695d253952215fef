"""What the report tests check rendered Markdown with: renderers and the places links hide."""

from __future__ import annotations

import re
from html import unescape

from markdown_it import MarkdownIt

GFM_AUTOLINK = re.compile(
    r"www\.|(?:https?|ftp)://|(?:mailto|xmpp):|[\w.+-]@[\w-]+\.[\w-]", re.IGNORECASE
)
"""What GitHub and remark-gfm link in plain text *after* resolving escapes."""
ALLOWED_TAGS = re.compile(
    r'<(?!/?(?:p|h1|h2|table|thead|tbody|tr|th|td|code)(?: style="text-align:right")?>)'
)
"""Any tag but the report's own: paragraphs, headings, tables (right-aligned numbers), code."""
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def linkify_renderer() -> MarkdownIt:
    """markdown-it with GFM tables, strikethrough, raw HTML and linkify (bare URLs, e-mails,
    ``www.`` hosts, fuzzy domains) all on."""
    md = MarkdownIt("gfm-like")
    assert md.options["linkify"] and md.options["html"]
    return md


def outside_code(text: str) -> str:
    """``text`` without its code spans (CommonMark: a backslash keeps a backtick literal)."""
    kept, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            kept.append(text[i : i + 2])
            i += 2
            continue
        fence = re.match(r"`+", text[i:])
        if fence is None:
            kept.append(text[i])
            i += 1
            continue
        ticks = fence.group(0)
        close = re.compile(rf"(?<!`){ticks}(?!`)").search(text, i + len(ticks))
        if close is None:
            kept.append(ticks)
            i += len(ticks)
        else:
            i = close.end()
    return "".join(kept)


def plain_text_links(markdown: str) -> list[str]:
    """Autolinks a transform-time linker (GitHub, remark-gfm) would find outside code spans."""
    plain = unescape(_ESCAPE.sub(r"\1", outside_code(markdown)))
    return GFM_AUTOLINK.findall(plain)


def cell_text(html: str) -> str:
    """What a reader sees in the one ``<td>`` of ``html``: tags dropped, entities decoded."""
    (cell,) = re.findall(r"<td>(.*?)</td>", html, re.DOTALL)
    return unescape(re.sub(r"</?code>", "", cell))
