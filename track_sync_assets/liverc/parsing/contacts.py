"""Contact lines of a dashboard's About block: phone, website and obfuscated e-mail."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers
from selectolax.lexbor import LexborNode

from track_sync_assets.liverc.parsing.markup import attribute, one_line

NOT_AVAILABLE = frozenset({"", "n/a", "na", "none", "-"})
_NO_SPAM = re.compile(r"noSpam\(\s*(['\"])(.*?)\1\s*,\s*(['\"])(.*?)\3\s*\)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ContactLine:
    """One ``<abbr title="...">X:</abbr> value`` line: its value's text and first link."""

    text: str | None
    link: LexborNode | None

    @property
    def href(self) -> str | None:
        return attribute(self.link, "href")

    @property
    def link_text(self) -> str | None:
        if self.link is None:
            return None
        return one_line(self.link.text(deep=True)) or None


def contact_line(value_nodes: Sequence[LexborNode]) -> ContactLine:
    """The value of a contact line from the nodes after its ``<abbr>``."""
    text = one_line("".join(node.text(deep=True) for node in value_nodes))
    link = next((found for node in value_nodes if (found := _link_in(node)) is not None), None)
    return ContactLine(text=None if text.casefold() in NOT_AVAILABLE else text, link=link)


def _link_in(node: LexborNode) -> LexborNode | None:
    if node.tag == "a":
        return node
    return node.css_first("a") if node.is_element_node else None


def phone_text(line: ContactLine | None) -> str | None:
    """The phone number as shown (a ``tel:`` link's text, or plain text); ``N/A`` is None."""
    if line is None:
        return None
    if line.link is not None:
        shown = line.link_text
        if shown and shown.casefold() not in NOT_AVAILABLE:
            return shown
        href = line.href or ""
        if href.startswith("tel:"):
            return href.removeprefix("tel:").strip() or None
        return None
    return line.text


def phone_e164(phone: str | None, country_code: str | None) -> str | None:
    """The phone in E.164 form, read in the track's country; None when unparseable or invalid."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, country_code)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def website(line: ContactLine | None, discrepancies: list[str]) -> str | None:
    """The website link's href (which LiveRC also shows as its text)."""
    if line is None:
        return None
    href, shown = line.href, line.link_text
    if href and shown and href != shown:
        discrepancies.append(f"website: link goes to {href!r} but reads {shown!r}; kept the link")
    return href or line.text


def email(line: ContactLine | None, discrepancies: list[str]) -> str | None:
    """The e-mail address, from the ``noSpam('local', 'domain')`` arguments.

    The link text (the address as character references) is the cross-check:
    when the two disagree the argument form is kept and the disagreement noted.
    """
    if line is None:
        return None
    href = line.href or ""
    shown = line.link_text if line.link is not None else line.text
    if shown is not None and shown.casefold() in NOT_AVAILABLE:
        shown = None
    match = _NO_SPAM.search(href)
    if match is not None:
        local, domain = match.group(2).strip(), match.group(4).strip()
        if local and domain:
            address = f"{local}@{domain}"
            if shown and shown.casefold() != address.casefold():
                discrepancies.append(
                    f"e-mail: noSpam() arguments give {address!r} but the link text reads "
                    f"{shown!r}; kept the arguments"
                )
            return address
    if href.casefold().startswith("mailto:"):
        return href[len("mailto:") :].split("?", 1)[0].strip() or shown
    return shown if shown and "@" in shown else None
