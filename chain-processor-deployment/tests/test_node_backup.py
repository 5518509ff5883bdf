"""Node code backup: round trip through the local backend on a migrated database with the
builtin nodes; incremental runs; versioning; corruption found; the S3 backend's calls."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import node_backup
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from chain_processor_core.models.nodes import NodeCreate
from chain_processor_db import migrations
from chain_processor_db.repositories.nodes import create_node
from chain_processor_db.seed import seed
from chain_processor_db.session import create_db_engine


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'cp.db'}"
    migrations.upgrade(url)
    engine = create_db_engine(url)
    with Session(engine) as session, session.begin():
        seed(session=session, admin_email="admin@example.com", admin_password="backup-test-1")
        create_node(
            session=session,
            created_by_id=None,
            node_in=NodeCreate(
                name="shout", code="def node(input_text):\n    return input_text.upper() + '!'\n"
            ),
        )
    yield engine
    engine.dispose()


def db_versions(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT node_id, version, content_hash FROM node_versions"))
        return {f"nodes/{r[0]}/{r[1]}": r[2] for r in rows}


def test_round_trip(engine: Engine, tmp_path: Path) -> None:
    backend = node_backup.LocalBackend(tmp_path / "backup")
    report = node_backup.backup(engine, backend)
    versions = db_versions(engine)
    assert report.versions_seen == len(versions) > 1
    assert sorted(report.uploaded) == sorted(versions)
    assert node_backup.verify(engine, backend).ok

    restored = node_backup.restore(backend, tmp_path / "restored")
    assert len(restored) == len(versions)  # one current version per node
    shout = next(p for p in restored if p.name.startswith("shout-"))
    assert "upper()" in shout.read_text()
    for path in restored:
        assert hashlib.sha256(path.read_bytes()).hexdigest() in versions.values()


def test_second_run_uploads_only_new_versions(engine: Engine, tmp_path: Path) -> None:
    backend = node_backup.LocalBackend(tmp_path / "backup")
    node_backup.backup(engine, backend)
    assert node_backup.backup(engine, backend).uploaded == []
    with Session(engine) as session, session.begin():
        create_node(
            session=session,
            created_by_id=None,
            node_in=NodeCreate(
                name="reverse", code="def node(input_text):\n    return input_text[::-1]\n"
            ),
        )
    again = node_backup.backup(engine, backend)
    assert len(again.uploaded) == 1
    assert len(backend.keys("manifests/")) == 3


def test_verify_finds_missing_and_corrupt_objects(engine: Engine, tmp_path: Path) -> None:
    backend = node_backup.LocalBackend(tmp_path / "backup")
    node_backup.backup(engine, backend)
    keys = sorted(db_versions(engine))
    (tmp_path / "backup" / f"{keys[0]}.py").unlink()
    (tmp_path / "backup" / f"{keys[1]}.py").write_text("tampered")
    result = node_backup.verify(engine, backend)
    assert result.missing == [keys[0]] and result.corrupt == [keys[1]] and not result.ok
    with pytest.raises(ValueError, match="does not match"):
        node_backup.restore(backend, tmp_path / "restored")


def test_local_backend_keeps_overwritten_objects(tmp_path: Path) -> None:
    backend = node_backup.LocalBackend(tmp_path)
    backend.put("nodes/a/1.0.0.py", b"one")
    backend.put("nodes/a/1.0.0.py", b"two")
    assert backend.get("nodes/a/1.0.0.py") == b"two"
    kept = list((tmp_path / ".versions/nodes/a/1.0.0.py").iterdir())
    assert [p.read_bytes() for p in kept] == [b"one"]
    assert backend.keys("nodes/") == ["nodes/a/1.0.0.py"]
    with pytest.raises(ValueError):
        backend.put("../escape", b"x")


def test_cli_backup_verify_restore(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(engine.url)
    backup_dir = tmp_path / "backup"
    assert node_backup.main(["backup", "--database-url", url, "--path", str(backup_dir)]) == 0
    assert node_backup.main(["verify", "--database-url", url, "--path", str(backup_dir)]) == 0
    assert (
        node_backup.main(["restore", "--path", str(backup_dir), "--to", str(tmp_path / "out")]) == 0
    )
    assert "0 missing, 0 corrupt" in capsys.readouterr().out


class FakeS3:
    """The four S3 calls the backend makes, in memory (a versioned bucket)."""

    class NoSuchKey(Exception):
        response = {"Error": {"Code": "NoSuchKey"}}  # noqa: RUF012

    def __init__(self) -> None:
        self.objects: dict[str, list[dict[str, Any]]] = {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes, **extra: Any) -> None:
        self.objects.setdefault(f"{Bucket}/{Key}", []).append({"Body": Body, **extra})

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        versions = self.objects.get(f"{Bucket}/{Key}")
        if not versions:
            raise self.NoSuchKey(Key)
        return {"Body": io.BytesIO(versions[-1]["Body"])}

    def list_objects_v2(self, *, Bucket: str, Prefix: str, **_: Any) -> dict[str, Any]:
        keys = sorted(
            k.split("/", 1)[1] for k in self.objects if k.startswith(f"{Bucket}/{Prefix}")
        )
        return {"Contents": [{"Key": k} for k in keys], "IsTruncated": False}

    def get_bucket_versioning(self, *, Bucket: str) -> dict[str, str]:
        return {"Status": "Enabled"}


def test_s3_backend_round_trip(engine: Engine, tmp_path: Path) -> None:
    client = FakeS3()
    backend = node_backup.S3Backend("backups", "chain-processor", client=client)
    assert backend.versioning_enabled()
    node_backup.backup(engine, backend)
    assert node_backup.verify(engine, backend).ok
    stored = next(v for k, v in client.objects.items() if k.endswith(".py"))[0]
    assert stored["ServerSideEncryption"] == "AES256"
    assert stored["Metadata"]["sha256"] == hashlib.sha256(stored["Body"]).hexdigest()
    assert all(k.startswith("backups/chain-processor/") for k in client.objects)
    assert node_backup.restore(backend, tmp_path / "restored")
    manifest = json.loads(backend.get(backend.keys("manifests/")[-1]) or b"{}")
    assert {n["name"] for n in manifest["nodes"]} >= {"shout", "uppercase"}
