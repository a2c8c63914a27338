"""A throw-away PostgreSQL/PostGIS cluster for the tests and the PostGIS demo (临时数据库集群).

``initdb`` in a temporary folder, a free port on 127.0.0.1, trust authentication for the
local user, a database with the PostGIS extension; stopped and removed at the end. Debian's
server programs live in ``/usr/lib/postgresql/<version>/bin`` (postgresql and
postgresql-<version>-postgis-3, installed by ``make setup``). The server refuses to run as
root, so as root the cluster runs as the ``postgres`` system user the package creates.

    with Cluster() as pg:
        pg.create_database("city")          # with the postgis extension
        uri = pg.uri("city")                # postgresql://citysafety@127.0.0.1:PORT/city

Run as a script it starts a cluster and prints its URI, and stops it on Ctrl-C or when the
``--seconds`` have passed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "citysafety"


def server_bin() -> Path | None:
    """The newest installed server's bin folder, or None."""
    base = Path("/usr/lib/postgresql")
    versions = sorted((p for p in base.glob("*/bin") if (p / "initdb").exists()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return versions[-1] if versions else None


def postgis_available() -> bool:
    """Whether the newest server has the PostGIS extension installed."""
    b = server_bin()
    if b is None:
        return False
    share = Path("/usr/share/postgresql") / b.parent.name / "extension"
    return any(share.glob("postgis.control"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A running throw-away cluster (a context manager)."""

    def __init__(self, root: str | Path | None = None) -> None:
        b = server_bin()
        if b is None:
            raise RuntimeError("no PostgreSQL server installed (make setup installs it)")
        self.bin = b
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="csrm_pg_"))
        self.data = self.root / "data"
        self.port = free_port()
        self.host = "127.0.0.1"
        self._as_postgres = os.geteuid() == 0

    # -- running the server's programs as the right user
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, cwd="/")

    def start(self) -> Cluster:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        opts = (f"-c listen_addresses={self.host} -c port={self.port} -c unix_socket_directories={self.root}"
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "server.log"),
                  "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- databases and roles
    def uri(self, dbname: str = "postgres", user: str = SUPERUSER, password: str | None = None) -> str:
        auth = user if password is None else f"{user}:{password}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{dbname}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", self.uri(dbname),
                              "-c", sql], check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def create_database(self, dbname: str, postgis: bool = True) -> str:
        self.psql(f'CREATE DATABASE "{dbname}"')
        if postgis:
            self.psql("CREATE EXTENSION postgis", dbname)
        return self.uri(dbname)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", default="citysafety")
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long (0: until Ctrl-C)")
    args = ap.parse_args()
    with Cluster() as pg:
        print(pg.create_database(args.database), flush=True)
        t0 = time.monotonic()
        try:
            while not args.seconds or time.monotonic() - t0 < args.seconds:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
