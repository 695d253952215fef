"""Generated words for the simulated tracks: names, slugs, events, contacts, descriptions.

Everything is drawn from a caller's ``random.Random`` so the catalogue stays
deterministic. The word lists are invented; no real track is reproduced.
"""

from __future__ import annotations

import random
import re

SLUG_MAX_LENGTH = 36
_NOT_SLUG = re.compile(r"[^A-Za-z0-9]+")

WORDS = (
    "Thunder", "Lightning", "Apex", "Velocity", "Redline", "Trackside", "Throttle", "Nitro",
    "Turbo", "Gravel", "Hot Lap", "Victory Lane", "Checkered Flag", "Pit Stop", "Full Send",
    "High Voltage", "Rocket", "Summit", "Canyon", "Prairie", "River Valley", "Lakeside",
    "Blue Ridge", "Iron Horse", "Backyard", "Rooftop", "Warehouse", "Dirt Works", "Torque",
    "Overdrive", "Sidewinder", "Mud Bug", "Tailwind", "Pinion", "Spur Gear", "Brushless",
    "Hobby Hangar", "Grand Prix", "Outlaw", "Rally Point", "Switchback", "Hairpin",
)  # fmt: skip
KINDS = (
    "RC Raceway", "RC Speedway", "Raceway", "Hobbies", "RC Park", "Motorsports", "Hobby Shop",
    "RC Club", "Radio Control Club", "Model Car Club", "RC Racing", "Indoor Raceway",
    "Off-Road Park", "Speedway", "RC Track", "Hobbies and Raceway",
)  # fmt: skip
EVENTS = (
    "Saturday Club Racing", "Sunday Onroad", "Tues Club", "Friday Night Club Race",
    "Thursday Night Practice", "Mod Final", "Club Race", "Open Practice", "Oval Night",
    "Drag Night", "Crawler Comp", "Points Race", "Test and Tune", "Night Race",
)  # fmt: skip
SEASONS = ("Winter", "Spring", "Summer", "Fall")
SERIES = ("Points Series", "Race Series", "Championship", "Series", "Cup")
EVENTS_BY_LANGUAGE: dict[str, tuple[str, ...]] = {
    "zh": ("{year} 遥控车冬季联赛 第{n}站", "周末俱乐部赛", "{year} 全国遥控越野锦标赛"),
    "ko": ("주말 클럽 레이스", "겨울 시리즈 {n}라운드", "{year} 코리아 RC 챔피언십"),
    "es": (
        "Carrera de Campeonato {year} – Fecha {n}",
        "Carrera del Sábado",
        "Copa Invierno {year}",
    ),
}
LANGUAGE_BY_COUNTRY = {"CN": "zh", "KR": "ko", "MX": "es", "ES": "es"}
MAIL_PROVIDERS = ("gmail.com", "yahoo.com", "aol.com", "hotmail.com", "outlook.com")
MAIL_LOCALS = ("info", "racing", "contact", "admin", "race.director", "track")
DESCRIPTION_LINES = (
    "Indoor clay oval and off-road tracks.",
    "1/10 Dirt Oval indoors.",
    "1/8 scale outdoor off-road track with a covered drivers stand.",
    "Carpet on-road track with a 12' drivers stand.",
    "Open practice Wednesday and Thursday evenings.",
    "Club racing every Saturday; doors open at 9 AM.",
    "On-site hobby shop for all of your needs!!",
    "Power outlets available throughout the pits.",
    "Wi-Fi available.",
    "Food truck on race days.",
    "Beginners welcome: loaner cars available.",
    "Paved parking lot touring car racing action!",
)  # fmt: skip


def compact(text: str) -> str:
    """The ASCII letters and digits of ``text``, as LiveRC slugs are made."""
    return _NOT_SLUG.sub("", text)


def track_name(rng: random.Random, city_name: str) -> str:
    """A plausible track name, sometimes built on the track's city."""
    roll = rng.random()
    place = city_name if rng.random() < 0.35 else rng.choice(WORDS)
    if roll < 0.05:
        return f"HobbyTown {city_name}"
    if roll < 0.08:
        return f"{rng.randint(2, 999)} {rng.choice(KINDS)}"
    if roll < 0.12:
        return f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)}"
    if roll < 0.15:
        letters = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTVW") for _ in range(rng.randint(2, 4)))
        return f"{letters} {rng.choice(KINDS)}"
    return f"{place} {rng.choice(KINDS)}"


def slugify(rng: random.Random, name: str) -> str:
    """A LiveRC-style slug for ``name``: ASCII letters and digits only (``[a-z0-9]{1,36}``),
    whatever letters the name holds (``ʻ``, ``é``... are dropped)."""
    words = compact_words(name)
    roll = rng.random()
    if roll < 0.12 and len(words) > 1:
        slug = "".join(word[0] for word in words) + "rc"
    elif roll < 0.2 and words:
        slug = words[0] + rng.choice(("rc", "raceway", "racing", "hobbies"))
    else:
        slug = compact(name)
    slug = slug.lower()[:SLUG_MAX_LENGTH]
    return slug or "track"


def compact_words(name: str) -> list[str]:
    """The words of ``name`` reduced to their ASCII letters and digits (empty ones dropped)."""
    return [word for word in (compact(part) for part in name.split()) if word]


def unique_slug(slug: str, taken: set[str]) -> str:
    """``slug`` made unique (case-insensitively) by a numeric suffix, like ``mhorrc1``."""
    candidate, number = slug, 0
    while candidate.lower() in taken:
        number += 1
        suffix = str(number)
        candidate = slug[: SLUG_MAX_LENGTH - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def event_name(rng: random.Random, year: int, country_code: str) -> str:
    """A latest-event name; some in Chinese, Korean or Spanish, some with a raw ``&``."""
    language = LANGUAGE_BY_COUNTRY.get(country_code)
    if language and rng.random() < 0.7:
        template = rng.choice(EVENTS_BY_LANGUAGE[language])
        return template.format(year=year, n=rng.randint(1, 8))
    roll = rng.random()
    if roll < 0.01:
        return f"{rng.choice(SEASONS)} Oval & F8 Points"
    if roll < 0.04:
        return f"{rng.choice(SEASONS)}  {rng.choice(SERIES)} Round {rng.randint(1, 8)}"
    if roll < 0.13:
        return f"{year}-{rng.randint(1, 12)}-{rng.randint(1, 28)}"
    if roll < 0.45:
        series = rng.choice(SERIES)
        return f"{year} {rng.choice(SEASONS)} {series} #{rng.randint(1, 8)}"
    return rng.choice(EVENTS)


def website_for(rng: random.Random, slug: str) -> str:
    """A website URL in one of the forms tracks type (href equals text on LiveRC)."""
    domain = (
        f"{slug.lower()}{rng.choice(('', 'rc', 'raceway'))}.{rng.choice(('com', 'net', 'org'))}"
    )
    return rng.choice(
        (f"http://www.{domain}/", f"https://{domain}", f"http://{domain}", f"https://www.{domain}/")
    )


def email_for(rng: random.Random, slug: str, website: str) -> str:
    """A contact e-mail on the website's domain or a mail provider."""
    domain = website.split("//", 1)[1].strip("/").removeprefix("www.")
    if rng.random() < 0.4:
        return f"{compact(slug).lower()}{rng.randint(1, 99)}@{rng.choice(MAIL_PROVIDERS)}"
    return f"{rng.choice(MAIL_LOCALS)}@{domain}"


def facebook_url(rng: random.Random, slug: str, panel: str) -> str:
    """A Facebook URL as tracks enter it (LiveRC does not normalise them)."""
    if panel == "page":
        return f"https://www.facebook.com/groups/{rng.randint(10**14, 10**15 - 1)}/"
    handle = f"{slug.lower()}{rng.choice(('', 'rc', 'raceway'))}"
    return rng.choice(
        (
            f"http://www.facebook.com/{handle}/",
            f"http://facebook.com/{handle}",
            f"https://www.facebook.com/{handle}",
        )
    )


def description(rng: random.Random) -> str:
    """A free-text description of 1 to 5 lines."""
    return "\n".join(rng.sample(DESCRIPTION_LINES, rng.randint(1, 5)))


def logo_url(rng: random.Random, slug: str) -> str:
    """A logo URL in LiveRC's asset layout."""
    stamp = (
        f"{rng.randint(2014, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}_"
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    )
    extension = rng.choice(("png", "jpg", "png", "gif"))
    return (
        f"https://assets.livetimescoring.com/track_logos/{rng.randint(100, 9999)}/"
        f"{slug.lower()[:12]}_logo.{extension}?dt={stamp}"
    )
