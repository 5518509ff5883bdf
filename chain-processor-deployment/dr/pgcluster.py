"""Throw-away PostgreSQL clusters driven with the stock server tools (initdb, pg_ctl,
pg_basebackup), for the restore drill.

PostgreSQL refuses to run as root: as root every server command runs as the ``postgres``
user through ``runuser``, and the files it must own are created for that user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path:
    """The newest /usr/lib/postgresql/*/bin, or where pg_ctl is on the PATH."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if candidates:
        return candidates[-1]
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).parent
    raise RuntimeError("PostgreSQL server tools not found (apt-get install postgresql)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def run(args: list[str], *, timeout: float = 120) -> str:
    result = subprocess.run(
        as_server_user(args), capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def make_dir(path: Path) -> Path:
    """A directory the server user owns, mode 700."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    path.chmod(0o700)
    return path


@dataclass
class Cluster:
    bindir: Path
    datadir: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def initdb(self) -> None:
        make_dir(self.datadir)
        run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.datadir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ]
        )

    def configure(self, **settings: str | int) -> None:
        """Append settings to postgresql.auto.conf (last one wins)."""
        lines = [f"{key} = '{value}'\n" for key, value in settings.items()]
        self._append(self.datadir / "postgresql.auto.conf", "".join(lines))

    def start(self, *, timeout: int = 120) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.datadir}"
        )
        run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.datadir),
                "-l",
                str(self.datadir / "server.log"),
                "-w",
                "-t",
                str(timeout),
                "-o",
                options,
                "start",
            ],
            timeout=timeout + 10,
        )

    def stop(self, mode: str = "fast") -> None:
        run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop"])

    def running(self) -> bool:
        result = subprocess.run(
            as_server_user([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "status"]),
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def base_backup(self, target: Path) -> None:
        """A plain-format base backup with the WAL it needs streamed alongside."""
        make_dir(target)
        run(
            [
                str(self.bindir / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-D",
                str(target),
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ]
        )

    def log_tail(self, lines: int = 30) -> str:
        log = self.datadir / "server.log"
        try:
            return "".join(log.read_text(errors="replace").splitlines(True)[-lines:])
        except OSError:
            return ""

    @staticmethod
    def copy_backup(backup: Path, datadir: Path) -> None:
        """Lay a base backup down as a new data directory (as the server user)."""
        run(["cp", "-a", str(backup), str(datadir)])

    @staticmethod
    def _append(path: Path, text: str) -> None:
        with path.open("a") as handle:
            handle.write(text)


def wait_for(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
