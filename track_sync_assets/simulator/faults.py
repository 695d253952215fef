"""The fault spec: which simulated requests fail, and how (see docs/simulator.md).

Grammar (items separated by commas, white space ignored)::

    5xx=P  429=P  slow=P  reset=P  truncate=P  malformed=P   share of dashboard requests
    retry_after=SECONDS | retry_after=date:SECONDS           Retry-After of every 429
    slow_delay=SECONDS                                       how long a slow answer waits
    gone=SLUG+SLUG                                           404 for these tracks
    flaky=SLUG:N[:KIND]+...                                  first N requests get KIND (503)
    broken=SLUG[:KIND]+...                                   every request gets KIND (500)
    list=MODE[:N]+MODE[:N]...                                the track list's answers, in order
    robots=MODE[:N]+...                                      robots.txt's answers, in order
    list_rows=N                                              rows kept by list=truncated

KIND is an HTTP status (400-599), ``reset``, ``truncate``, ``slow`` or
``malformed``. A list MODE is a KIND (not malformed), ``maintenance``,
``truncated`` or ``cut``. A step without ``:N`` lasts for every later request.

Random faults are decided by a hash of (seed, slug, attempt number), so a run
is reproducible and a retry draws again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from email.utils import formatdate

SLUG = re.compile(r"^[A-Za-z0-9]+$")
SHARE_KEYS = {
    "5xx": "error_5xx",
    "429": "throttle_429",
    "slow": "slow",
    "reset": "reset",
    "truncate": "truncate",
    "malformed": "malformed",
}
FAULT_NAMES = frozenset({"reset", "truncate", "slow", "malformed"})
LIST_MODES = frozenset({"maintenance", "truncated", "cut"})
RANDOM_5XX = (500, 502, 503, 504)


class FaultSpecError(ValueError):
    """A fault spec that does not follow the grammar."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One way a response goes wrong: ``status`` (with its code) or a named fault."""

    kind: str
    status: int | None = None

    def __str__(self) -> str:
        return str(self.status) if self.kind == "status" else self.kind

    @classmethod
    def of(cls, token: str, *, allowed: frozenset[str] = FAULT_NAMES) -> Fault:
        """Parse ``503``, ``reset``... (``allowed`` names the non-status kinds accepted)."""
        token = token.strip().lower()
        if token.isdigit():
            status = int(token)
            if not 400 <= status <= 599:
                raise FaultSpecError(f"fault status {status} is not an HTTP error (400-599)")
            return cls("status", status)
        if token not in allowed:
            choices = ", ".join(sorted(allowed))
            raise FaultSpecError(f"unknown fault {token!r}: use a 4xx/5xx status or {choices}")
        return cls(token)


@dataclass(frozen=True, slots=True)
class SlugFault:
    """A deterministic fault for one track: its first ``count`` requests (None: all)."""

    slug: str
    fault: Fault
    count: int | None


@dataclass(frozen=True, slots=True)
class FaultStep:
    """One step of the list's (or robots.txt's) scripted answers."""

    fault: Fault
    count: int | None


@dataclass(frozen=True)
class FaultSpec:
    """Parsed fault spec; :meth:`parse` reads the text form, ``str()`` writes it back."""

    error_5xx: float = 0.0
    throttle_429: float = 0.0
    slow: float = 0.0
    reset: float = 0.0
    truncate: float = 0.0
    malformed: float = 0.0
    retry_after_s: int = 1
    retry_after_date: bool = False
    slow_delay_s: float = 30.0
    gone: frozenset[str] = frozenset()
    """Lower-case slugs answering 404."""
    per_slug: tuple[SlugFault, ...] = ()
    list_steps: tuple[FaultStep, ...] = ()
    robots_steps: tuple[FaultStep, ...] = ()
    list_rows: int = 100
    _shares: tuple[tuple[str, float], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        shares = tuple((key, getattr(self, attr)) for key, attr in SHARE_KEYS.items())
        for key, share in shares:
            if not 0.0 <= share <= 1.0:
                raise FaultSpecError(f"{key}={share}: a share must be between 0 and 1")
        if sum(share for _, share in shares) > 1.0 + 1e-9:
            raise FaultSpecError("the random fault shares add up to more than 1")
        if self.retry_after_s < 0 or self.slow_delay_s < 0 or self.list_rows < 0:
            raise FaultSpecError("retry_after, slow_delay and list_rows cannot be negative")
        object.__setattr__(self, "_shares", tuple((k, s) for k, s in shares if s > 0))

    @classmethod
    def parse(cls, spec: str | None) -> FaultSpec:
        """Parse the text form (None or blank: no faults); raises :class:`FaultSpecError`."""
        values: dict[str, object] = {}
        gone: set[str] = set()
        per_slug: list[SlugFault] = []
        for item in (part.strip() for part in (spec or "").split(",")):
            if not item:
                continue
            key, sep, value = (part.strip() for part in item.partition("="))
            if not sep or not value:
                raise FaultSpecError(f"fault item {item!r} is not KEY=VALUE")
            key = key.lower()
            if key in ("gone", "flaky", "broken"):
                for entry in value.split("+"):
                    _add_slug_entry(key, entry, gone, per_slug)
                continue
            if key in values:
                raise FaultSpecError(f"fault item {key!r} is given twice")
            values[key] = _parse_value(key, value)
        fields = {SHARE_KEYS.get(key, key): value for key, value in values.items()}
        if "retry_after" in fields:
            fields["retry_after_date"], fields["retry_after_s"] = fields.pop("retry_after")
        if "slow_delay" in fields:
            fields["slow_delay_s"] = fields.pop("slow_delay")
        if "list" in fields:
            fields["list_steps"] = fields.pop("list")
        if "robots" in fields:
            fields["robots_steps"] = fields.pop("robots")
        return cls(gone=frozenset(gone), per_slug=tuple(per_slug), **fields)  # type: ignore[arg-type]

    def __str__(self) -> str:
        items = [f"{key}={getattr(self, attr):g}" for key, attr in SHARE_KEYS.items()
                 if getattr(self, attr)]  # fmt: skip
        if self.retry_after_s != 1 or self.retry_after_date:
            prefix = "date:" if self.retry_after_date else ""
            items.append(f"retry_after={prefix}{self.retry_after_s}")
        if self.slow_delay_s != 30.0:
            items.append(f"slow_delay={self.slow_delay_s:g}")
        if self.gone:
            items.append("gone=" + "+".join(sorted(self.gone)))
        for entry in self.per_slug:
            if entry.count is None:
                items.append(f"broken={entry.slug}:{entry.fault}")
            else:
                items.append(f"flaky={entry.slug}:{entry.count}:{entry.fault}")
        for name, steps in (("list", self.list_steps), ("robots", self.robots_steps)):
            if steps:
                items.append(f"{name}=" + "+".join(_step_text(step) for step in steps))
        if self.list_rows != 100:
            items.append(f"list_rows={self.list_rows}")
        return ",".join(items)

    def with_changes(self, **changes: object) -> FaultSpec:
        """A copy with some fields replaced."""
        return replace(self, **changes)  # type: ignore[arg-type]

    # --- decisions ---

    def dashboard_fault(self, seed: int, slug: str, attempt: int) -> Fault | None:
        """The fault (if any) of request number ``attempt`` (0-based) for a track's page."""
        key = slug.lower()
        if key in self.gone:
            return Fault("status", 404)
        for entry in self.per_slug:
            if entry.slug == key and (entry.count is None or attempt < entry.count):
                return entry.fault
        if not self._shares:
            return None
        draw = unit_hash(seed, key, attempt, "fault")
        for name, share in self._shares:
            if draw < share:
                if name == "5xx":
                    pick = int(unit_hash(seed, key, attempt, "5xx") * len(RANDOM_5XX))
                    return Fault("status", RANDOM_5XX[pick])
                return Fault("status", 429) if name == "429" else Fault(name)
            draw -= share
        return None

    def list_fault(self, attempt: int) -> Fault | None:
        """The fault (if any) of the track list's request number ``attempt``."""
        return _step_fault(self.list_steps, attempt)

    def robots_fault(self, attempt: int) -> Fault | None:
        """The fault (if any) of robots.txt's request number ``attempt``."""
        return _step_fault(self.robots_steps, attempt)

    def retry_after(self, now: float) -> str:
        """The Retry-After header value of a 429 sent at ``now`` (epoch seconds)."""
        if self.retry_after_date:
            return formatdate(now + self.retry_after_s, usegmt=True)
        return str(self.retry_after_s)


def unit_hash(seed: int, key: str, attempt: int, purpose: str) -> float:
    """A reproducible number in [0, 1) for (seed, key, attempt, purpose)."""
    digest = hashlib.blake2b(f"{seed}/{key}/{attempt}/{purpose}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _step_fault(steps: tuple[FaultStep, ...], attempt: int) -> Fault | None:
    for step in steps:
        if step.count is None or attempt < step.count:
            return step.fault
        attempt -= step.count
    return None


def _step_text(step: FaultStep) -> str:
    return str(step.fault) if step.count is None else f"{step.fault}:{step.count}"


def _count(text: str, item: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise FaultSpecError(f"{item}: {text!r} is not a positive request count")
    return int(text)


def _add_slug_entry(key: str, entry: str, gone: set[str], per_slug: list[SlugFault]) -> None:
    parts = [part.strip() for part in entry.split(":")]
    slug = parts[0]
    if not SLUG.match(slug):
        raise FaultSpecError(f"{key}: {slug!r} is not a track slug ([A-Za-z0-9]+)")
    if key == "gone":
        if len(parts) != 1:
            raise FaultSpecError(f"gone takes slugs only, not {entry!r}")
        gone.add(slug.lower())
    elif key == "flaky":
        if len(parts) not in (2, 3):
            raise FaultSpecError(f"flaky entry {entry!r} is not SLUG:N[:KIND]")
        fault = Fault.of(parts[2]) if len(parts) == 3 else Fault("status", 503)
        per_slug.append(SlugFault(slug.lower(), fault, _count(parts[1], f"flaky={entry}")))
    else:
        if len(parts) not in (1, 2):
            raise FaultSpecError(f"broken entry {entry!r} is not SLUG[:KIND]")
        fault = Fault.of(parts[1]) if len(parts) == 2 else Fault("status", 500)
        per_slug.append(SlugFault(slug.lower(), fault, None))


def _parse_value(key: str, value: str) -> object:
    if key in SHARE_KEYS:
        try:
            return float(value)
        except ValueError:
            raise FaultSpecError(f"{key}={value}: the share must be a number") from None
    if key == "retry_after":
        is_date = value.lower().startswith("date:")
        seconds = value[5:] if is_date else value
        if not seconds.isdigit():
            raise FaultSpecError(f"retry_after={value}: use SECONDS or date:SECONDS")
        return is_date, int(seconds)
    if key == "slow_delay":
        try:
            return float(value)
        except ValueError:
            raise FaultSpecError(f"slow_delay={value}: use a number of seconds") from None
    if key == "list_rows":
        if not value.isdigit():
            raise FaultSpecError(f"list_rows={value}: use a number of rows")
        return int(value)
    if key in ("list", "robots"):
        allowed = (FAULT_NAMES - {"malformed"}) | (LIST_MODES if key == "list" else frozenset())
        steps = []
        for step in value.split("+"):
            mode, _, count = step.partition(":")
            fault = Fault.of(mode, allowed=allowed)
            steps.append(FaultStep(fault, _count(count, f"{key}={step}") if count else None))
        return tuple(steps)
    known = ", ".join([*SHARE_KEYS, "retry_after", "slow_delay", "gone", "flaky", "broken",
                       "list", "robots", "list_rows"])  # fmt: skip
    raise FaultSpecError(f"unknown fault item {key!r} (known: {known})")
