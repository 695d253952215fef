"""Show any value in Markdown as data: never a link, an image, HTML or other markup.

Plain text has every Markdown special character backslash-escaped. Escapes are not
enough for text a renderer could autolink: GitHub and remark-gfm (the Dagster UI) find
URLs and e-mails again *after* resolving escapes, and markdown-it's linkify finds bare
domains. Such text (a ``scheme:``, ``//``, ``@``, or a dot before a letter) is shown as
inline code, which no renderer links or formats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

NONE = "∅"
MAX_CELL = 200

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~$])")
_LINKABLE = re.compile(r"[^\W\d_]:|@|//|\.[^\W\d_]|www\.", re.IGNORECASE)
"""What an autolinker starts from: ``http:`` ``mailto:``, ``//host``, ``a@b``, ``www.x``
``x.com``. A letter before a colon also covers GitHub's ``:emoji:`` shortcodes."""
_BACKTICKS = re.compile(r"`+")


def one_line(value: Any, limit: int = MAX_CELL) -> str:
    """``str(value)`` with white space runs folded to one space, cut to ``limit`` with '…'.

    NUL shows as U+FFFD, as every CommonMark renderer shows it.
    """
    text = " ".join(str(value).replace("\x00", "\ufffd").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape_markdown(value: Any, *, limit: int = MAX_CELL) -> str:
    """Any value as one line of Markdown text, safe in a paragraph or a table cell.

    None shows as ``∅``. Text an autolinker would take for a URL or an e-mail becomes
    inline code (:func:`markdown_code`); other text is backslash-escaped.
    """
    if value is None:
        return NONE
    text = one_line(value, limit)
    if _LINKABLE.search(text):
        return _code(text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))


def markdown_code(value: Any, *, limit: int = MAX_CELL) -> str:
    """Any value as inline code (one line), safe in a paragraph or a table cell; None is ``∅``."""
    if value is None:
        return NONE
    return _code(one_line(value, limit))


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table with every cell escaped (headers are ours and kept as given)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(escape_markdown(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _code(text: str) -> str:
    """Inline code for one line of text.

    A pipe would end a table cell even inside code for some renderers, so each pipe is
    an escaped ``\\|`` between two code spans; spaces at a span's edges stay outside it.
    """
    parts = []
    for piece in text.split("|"):
        core = piece.strip()
        if core:
            start = piece.index(core)
            piece = piece[:start] + _code_span(core) + piece[start + len(core) :]
        parts.append(piece)
    return "\\|".join(parts)


def _code_span(text: str) -> str:
    """A code span whose fence is longer than any backtick run inside (CommonMark 6.1)."""
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
