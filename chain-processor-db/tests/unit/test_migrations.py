"""Alembic is configured in code from the packaged scripts."""

from __future__ import annotations

import itertools

from alembic.script import ScriptDirectory

from chain_processor_db.migrations import SCRIPT_LOCATION, alembic_config, head_revision


def test_migrations_form_one_line_from_the_initial_schema() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions = list(scripts.walk_revisions())  # from head down to base

    assert scripts.get_heads() == [head_revision()]
    assert revisions[0].revision == head_revision()
    assert revisions[-1].revision == "0001"
    assert revisions[-1].down_revision is None
    for newer, older in itertools.pairwise(revisions):
        assert newer.down_revision == older.revision


def test_config_escapes_percent_signs_in_the_url() -> None:
    url = "postgresql://user:p%25ss@db/app"
    config = alembic_config(url, pgbouncer=True)

    assert config.get_main_option("sqlalchemy.url") == url
    assert config.get_main_option("script_location") == SCRIPT_LOCATION
    assert config.attributes["pgbouncer"] is True
