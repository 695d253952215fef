"""An error in one line: what console lines, failure descriptions and fetch outcomes show."""

import sqlalchemy as sa

from track_sync_assets.errors import error_line


def test_a_database_error_is_its_first_line_without_sqlalchemys_trailers() -> None:
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        try:
            conn.execute(sa.text("SELECT * FROM no_such_table"))
        except sa.exc.OperationalError as error:
            assert error_line(error) == "(sqlite3.OperationalError) no such table: no_such_table"


def test_the_first_non_blank_line_of_a_multi_line_message() -> None:
    assert error_line(ValueError("\n  bad page  \nmore detail")) == "bad page"


def test_an_exception_without_a_message_is_its_type_name() -> None:
    assert error_line(TimeoutError()) == "TimeoutError"
    assert error_line("") == ""
