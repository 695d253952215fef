"""Asset checks pass on good data and name the offenders on bad data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from dagster import build_asset_check_context

from track_sync_assets.defs.checks import COMPLETENESS, COORDINATES, EMAILS, tracks_quality
from track_sync_assets.defs.resources import CatalogueResource
from track_sync_assets.operator.runner import run_sync_chain
from track_sync_assets.store.schema import tracks as tracks_table
from track_sync_tests.dagster.conftest import Deployment


def run_checks(url: str) -> dict:
    """The quality checks run on their own (from the UI): they read the catalogue now."""
    context = build_asset_check_context()
    results = tracks_quality(context, catalogue=CatalogueResource(database_url=url))
    return {result.check_name: result for result in results}


def test_checks_pass_on_a_clean_sync_and_fail_on_injected_bad_data(
    deployment: Deployment,
) -> None:
    outcome = run_sync_chain(deployment.defs, deployment.instance, echo=lambda line: None)
    assert outcome.succeeded
    catalogue_run = outcome.run_ids["catalogue"]
    evaluations = {
        e.dagster_event.event_specific_data.check_name: e.dagster_event.event_specific_data
        for e in deployment.instance.all_logs(catalogue_run)
        if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    for name in ("tracks_coordinates_valid", "tracks_emails_valid", "dashboard_failure_share"):
        assert evaluations[name].passed, (name, evaluations[name].metadata)

    store = deployment.store()
    frame = store.tracks_frame(active_only=True)
    us = frame[frame["country_code"] == "US"]["slug_key"].tolist()
    zero, half, abroad, bad_email = us[:4]
    engine = sa.create_engine(store.url)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        # The table itself refuses coordinates out of range.
        conn.execute(
            sa.update(tracks_table).where(tracks_table.c.slug_key == zero).values(latitude=95.0)
        )
    updates = {
        zero: {"latitude": 0.0, "longitude": 0.0},
        half: {"longitude": None},
        abroad: {"latitude": -33.87, "longitude": 151.21},  # Sydney, for a US track
        bad_email: {"email": "info@@example..com"},
    }
    with engine.begin() as conn:
        for slug, values in updates.items():
            conn.execute(
                sa.update(tracks_table).where(tracks_table.c.slug_key == slug).values(**values)
            )
    engine.dispose()

    results = run_checks(deployment.catalogue_url)
    coordinates = results[COORDINATES]
    assert not coordinates.passed
    assert coordinates.metadata["offenders"].value == 3
    listed = coordinates.metadata["offending_tracks"].value
    for slug in (zero, half, abroad):
        assert slug in listed.lower()

    emails = results[EMAILS]
    assert not emails.passed
    assert emails.metadata["offenders"].value == 1
    assert bad_email in emails.metadata["offending_tracks"].value.lower()

    completeness = results[COMPLETENESS]
    assert completeness.passed
    assert 0.9 < completeness.metadata["share_email"].value <= 1.0
