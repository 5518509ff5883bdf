"""Alembic is configured in code from the packaged scripts."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from chain_processor_db.migrations import SCRIPT_LOCATION, alembic_config, head_revision


def test_head_revision_is_the_last_packaged_script() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))

    assert head_revision() == "0001"
    assert [script.revision for script in scripts.walk_revisions()] == ["0001"]


def test_config_escapes_percent_signs_in_the_url() -> None:
    url = "postgresql://user:p%25ss@db/app"
    config = alembic_config(url, pgbouncer=True)

    assert config.get_main_option("sqlalchemy.url") == url
    assert config.get_main_option("script_location") == SCRIPT_LOCATION
    assert config.attributes["pgbouncer"] is True
