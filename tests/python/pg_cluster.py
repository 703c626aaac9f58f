"""A private PostgreSQL cluster for tests: initdb in a temp dir, pg_ctl start on loopback, a free port.

The binaries come from $SALES_KPIS_PG_BINDIR or the newest /usr/lib/postgresql/<major>/bin (Debian's
`postgresql` package; .ci/run installs it). PostgreSQL refuses to run as root: as root, the server runs as
the `postgres` system user (created by the package) through runuser. Trust authentication, loopback
and a Unix socket in the cluster's own directory only: nothing outside the test process can reach it.
Without the binaries the tests that need it skip, except in CI (SALES_KPIS_CI=1), where they fail.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "postgres"


def find_bindir() -> Path | None:
    configured = os.environ.get("SALES_KPIS_PG_BINDIR")
    if configured:
        return Path(configured) if (Path(configured) / "initdb").exists() else None
    found = (
        sorted(
            Path("/usr/lib/postgresql").glob("*/bin/initdb"),
            key=lambda p: int(p.parent.parent.name),
            reverse=True,
        )
        if Path("/usr/lib/postgresql").is_dir()
        else []
    )
    return found[0].parent if found else None


def skip_or_fail(message: str) -> None:
    """Skip locally, fail in CI (SALES_KPIS_CI=1): CI must run the PostgreSQL tests."""
    if os.environ.get("SALES_KPIS_CI") == "1":
        pytest.fail(message + " (required when SALES_KPIS_CI=1; .ci/run installs postgresql)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int
    user: str
    directory: Path

    def env(self, dbname: str) -> dict[str, str]:
        """The SALES_KPIS_PG_* variables of a database in this cluster."""
        return {
            "SALES_KPIS_PG_HOST": self.host,
            "SALES_KPIS_PG_PORT": str(self.port),
            "SALES_KPIS_PG_USER": self.user,
            "SALES_KPIS_PG_DBNAME": dbname,
        }

    def create_database(self, dbname: str) -> dict[str, str]:
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as con:
            con.execute(f'drop database if exists "{dbname}" with (force)')
            con.execute(f'create database "{dbname}"')
        return self.env(dbname)


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        skip_or_fail("running as root and there is no `postgres` system user to run the server")
    return ["runuser", "-u", SUPERUSER, "--", *command]


@contextlib.contextmanager
def running_cluster() -> Iterator[Cluster]:
    bindir = find_bindir()
    if bindir is None:
        skip_or_fail(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/<major>/bin, $SALES_KPIS_PG_BINDIR)"
        )
    assert bindir is not None
    directory = Path(tempfile.mkdtemp(prefix="sales_kpis_pg_"))
    data = directory / "data"
    if os.geteuid() == 0:
        shutil.chown(directory, SUPERUSER, SUPERUSER)
    port = free_port()
    log = directory / "server.log"
    try:
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={directory} -c fsync=off"
        )
        subprocess.run(
            _as_server_user(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
            timeout=90,
        )
    except subprocess.CalledProcessError as exc:
        server_log = log.read_text() if log.exists() else ""
        shutil.rmtree(directory, ignore_errors=True)
        pytest.fail(f"cannot start PostgreSQL: {exc.stderr or exc.stdout}\n{server_log[-2000:]}")
    try:
        yield Cluster("127.0.0.1", port, SUPERUSER, directory)
    finally:
        subprocess.run(
            _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(directory, ignore_errors=True)
