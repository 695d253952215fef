"""A track's structured address: the Track Map query, cross-checked with the About block.

The Track Map iframe's ``src`` ends in an address query that LiveRC does not
URL-encode: ``q={street},{city},{state}+{postal},{ISO alpha-2}``. It is split on
commas from the right (a street may contain commas); ``+`` separates state and
postal code and is present even when the state is empty. The About block shows
the same address as lines (street; ``City, ST 12345`` or ``City 02604``; full
country name). Only the map query carries the ISO country code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from track_sync_assets.liverc.parsing.errors import DashboardStructureError
from track_sync_assets.liverc.parsing.markup import snippet

_QUERY = re.compile(r"[?&]q=(.*)\Z", re.DOTALL)
_ALPHA_2 = re.compile(r"[A-Za-z]{2}")


@dataclass(frozen=True, slots=True)
class MapAddress:
    """The parts of a Track Map address query (None for a blank part)."""

    street_address: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country_code: str | None
    """As written in the query, upper-cased (validated by the caller)."""

    def locality_line(self) -> str:
        """The About block's locality line for this address: ``City, ST 12345`` / ``City 02604``."""
        region = " ".join(part for part in (self.state, self.postal_code) if part)
        if self.state:
            return f"{self.city or ''}, {region}".strip()
        return f"{self.city or ''} {region}".strip()


def parse_map_query(iframe_src: str) -> MapAddress:
    """Split the ``q=`` address of a Track Map iframe ``src`` (the API key is never kept)."""
    match = _QUERY.search(iframe_src)
    if match is None:
        raise DashboardStructureError("Track Map iframe src has no address query (q=)")
    query = match.group(1)
    parts = query.rsplit(",", 3)
    if len(parts) != 4 or "+" not in parts[2]:
        raise DashboardStructureError(
            f"Track Map address query {snippet(query)} is not street,city,state+postal,country"
        )
    street, city, region, country = parts
    state, _, postal = region.partition("+")
    return MapAddress(
        street_address=_blank_to_none(street),
        city=_blank_to_none(city),
        state=_blank_to_none(state),
        postal_code=_blank_to_none(postal),
        country_code=_blank_to_none(country.upper()),
    )


def is_alpha_2(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code pycountry knows."""
    return _ALPHA_2.fullmatch(code) is not None and country_name_for_code(code) is not None


@lru_cache(maxsize=512)
def country_name_for_code(code: str) -> str | None:
    """The common English name of an ISO alpha-2 country code (None when unknown)."""
    if _ALPHA_2.fullmatch(code) is None:
        return None
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return None
    return getattr(country, "common_name", None) or country.name


@lru_cache(maxsize=512)
def country_code_for_name(name: str) -> str | None:
    """The ISO alpha-2 code of a country name as LiveRC shows it (None when unknown)."""
    try:
        return pycountry.countries.lookup(name.strip()).alpha_2
    except LookupError:
        return None


def same_text(left: str | None, right: str | None) -> bool:
    """Equal once white space is folded and case ignored (blank equals None)."""
    return " ".join((left or "").split()).casefold() == " ".join((right or "").split()).casefold()


def _blank_to_none(text: str) -> str | None:
    stripped = text.strip()
    return stripped or None
