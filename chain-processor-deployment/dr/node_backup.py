"""Back node code up to versioned object storage (spec §10.2: PostgreSQL is the primary copy,
object storage the backup), verify it, and restore it.

Every node version is immutable in the database (``node_versions``), so each one becomes one
object, written once: ``nodes/<node id>/<version>.py`` with its metadata beside it
(``.json``: name, version, sha256 content hash, created_at). A run uploads only the versions
not there yet, then writes ``manifests/<UTC time>.json``: the nodes as they were (current
version, active, builtin), so a restore can rebuild any day's state.

Backends: a local directory (default; overwritten objects are kept under ``.versions/``)
and any S3 API bucket with versioning enabled (``--backend s3``; needs boto3).

    python dr/node_backup.py backup  --database-url postgresql://... --path /var/backups/nodes
    python dr/node_backup.py verify  --database-url postgresql://... --path /var/backups/nodes
    python dr/node_backup.py restore --path /var/backups/nodes --to ./restored-nodes
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, text

from chain_processor_db.session import create_db_engine

VERSIONS_SQL = text(
    "SELECT nv.node_id, n.name, nv.version, nv.code, nv.content_hash, nv.created_at "
    "FROM node_versions nv JOIN nodes n ON n.id = nv.node_id ORDER BY nv.node_id, nv.created_at"
)
NODES_SQL = text(
    "SELECT id, name, current_version, is_active, is_builtin FROM nodes ORDER BY name, id"
)


class Backend(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def keys(self, prefix: str) -> list[str]: ...


class LocalBackend:
    """A directory laid out like a bucket. Overwriting an object keeps the old content under
    ``.versions/<key>/<UTC time>``, as a versioned bucket would."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.read_bytes() != data:
            old = self.root / ".versions" / key / _stamp()
            old.parent.mkdir(parents=True, exist_ok=True)
            path.replace(old)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def keys(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.exists():
            return []
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in base.rglob("*")
            if p.is_file() and not p.name.endswith(".tmp")
        )

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or ".versions" in Path(key).parts:
            raise ValueError(f"bad object key {key!r}")
        return path


class S3Backend:
    """An S3 API bucket (AWS, MinIO, Ceph...). Turn bucket versioning on: this class never
    deletes, and versioning keeps every overwritten object."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        if client is None:  # pragma: no cover - needs boto3 and credentials
            import boto3

            client = boto3.client("s3", endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.prefix + key,
            Body=data,
            ServerSideEncryption="AES256",
            Metadata={"sha256": hashlib.sha256(data).hexdigest()},
        )

    def get(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except Exception as exc:  # botocore's ClientError, without importing botocore
            if _s3_error_code(exc) in {"NoSuchKey", "404", "NotFound"}:
                return None
            raise
        return bytes(response["Body"].read())

    def keys(self, prefix: str) -> list[str]:
        found: list[str] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self.prefix + prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = self.client.list_objects_v2(**kwargs)
            found += [item["Key"][len(self.prefix) :] for item in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return sorted(found)
            token = page["NextContinuationToken"]

    def versioning_enabled(self) -> bool:
        status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
        return bool(status == "Enabled")


@dataclass
class BackupReport:
    versions_seen: int = 0
    uploaded: list[str] = field(default_factory=list)
    manifest: str = ""


@dataclass
class VerifyReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.corrupt


def backup(engine: Engine, backend: Backend, *, now: datetime | None = None) -> BackupReport:
    report = BackupReport()
    with engine.connect() as connection:
        versions = connection.execute(VERSIONS_SQL).mappings().all()
        nodes = connection.execute(NODES_SQL).mappings().all()
    for row in versions:
        report.versions_seen += 1
        key = _code_key(row["node_id"], row["version"])
        code = row["code"].encode()
        meta = _meta(row)
        stored = backend.get(key + ".json")
        if stored is not None and json.loads(stored).get("content_hash") == meta["content_hash"]:
            continue
        backend.put(key + ".py", code)
        backend.put(key + ".json", json.dumps(meta, indent=2).encode())
        report.uploaded.append(key)
    manifest = {
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "nodes": [
            {
                "id": str(n["id"]),
                "name": n["name"],
                "current_version": n["current_version"],
                "is_active": bool(n["is_active"]),
                "is_builtin": bool(n["is_builtin"]),
            }
            for n in nodes
        ],
        "versions": [_code_key(r["node_id"], r["version"]) for r in versions],
    }
    report.manifest = f"manifests/{_stamp(now)}.json"
    backend.put(report.manifest, json.dumps(manifest, indent=2).encode())
    return report


def verify(engine: Engine, backend: Backend) -> VerifyReport:
    """Every node version in the database has its code in the backup, byte for byte."""
    report = VerifyReport()
    with engine.connect() as connection:
        versions = connection.execute(VERSIONS_SQL).mappings().all()
    for row in versions:
        report.checked += 1
        key = _code_key(row["node_id"], row["version"])
        code = backend.get(key + ".py")
        if code is None:
            report.missing.append(key)
        elif hashlib.sha256(code).hexdigest() != row["content_hash"]:
            report.corrupt.append(key)
    return report


def restore(backend: Backend, target: Path, *, manifest: str | None = None) -> list[Path]:
    """Write the current version of every node of a manifest (default: the latest) to
    ``target/<name>-<version>.py``, checking each against its recorded hash."""
    manifests = backend.keys("manifests/")
    if not manifests:
        raise LookupError("no manifest in the backup")
    chosen = json.loads(backend.get(manifest or manifests[-1]) or b"{}")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for node in chosen["nodes"]:
        key = _code_key(node["id"], node["current_version"])
        code = backend.get(key + ".py")
        meta = json.loads(backend.get(key + ".json") or b"{}")
        if code is None or hashlib.sha256(code).hexdigest() != meta.get("content_hash"):
            raise ValueError(f"{key}: missing or does not match its hash")
        path = target / f"{_safe(node['name'])}-{node['current_version']}.py"
        path.write_bytes(code)
        written.append(path)
    return written


def _code_key(node_id: object, version: str) -> str:
    return f"nodes/{node_id}/{version}"


def _meta(row: Any) -> dict[str, Any]:
    created = row["created_at"]
    return {
        "node_id": str(row["node_id"]),
        "name": row["name"],
        "version": row["version"],
        "content_hash": row["content_hash"],
        "created_at": created.isoformat() if hasattr(created, "isoformat") else str(created),
    }


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S.%fZ")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _s3_error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _backend(args: argparse.Namespace) -> Backend:
    if args.backend == "s3":
        s3 = S3Backend(args.bucket, args.prefix)
        if not s3.versioning_enabled():
            sys.stderr.write(f"warning: versioning is off on bucket {args.bucket}\n")
        return s3
    return LocalBackend(args.path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["backup", "verify", "restore"])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--backend", choices=["local", "s3"], default="local")
    parser.add_argument(
        "--path",
        type=Path,
        default=Path("var/node-backup"),
        help="local backend: the backup directory",
    )
    parser.add_argument("--bucket", help="s3 backend: bucket name")
    parser.add_argument("--prefix", default="chain-processor", help="s3 backend: key prefix")
    parser.add_argument("--to", type=Path, help="restore: where to write the code")
    parser.add_argument("--manifest", help="restore: a manifests/... key (default: latest)")
    args = parser.parse_args(argv)
    backend = _backend(args)
    if args.command == "restore":
        if not args.to:
            parser.error("restore needs --to")
        files = restore(backend, args.to, manifest=args.manifest)
        sys.stdout.write(f"restored {len(files)} nodes into {args.to}\n")
        return 0
    if not args.database_url:
        parser.error("set --database-url or DATABASE_URL")
    engine = create_db_engine(args.database_url, pool_size=1)
    try:
        if args.command == "backup":
            report = backup(engine, backend)
            sys.stdout.write(
                f"{report.versions_seen} node versions, {len(report.uploaded)} uploaded, "
                f"manifest {report.manifest}\n"
            )
            return 0
        result = verify(engine, backend)
        sys.stdout.write(
            f"{result.checked} node versions checked, {len(result.missing)} missing, "
            f"{len(result.corrupt)} corrupt\n"
        )
        return 0 if result.ok else 1
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
