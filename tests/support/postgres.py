"""A throwaway PostgreSQL cluster for the tests: initdb and pg_ctl from the machine's binaries.

The cluster listens on a free loopback port, with fsync off (it is thrown
away), and each test gets a database of its own. As root, the server runs as
the ``postgres`` user (initdb refuses root). ``KHABAR_TEST_POSTGRES`` may name
an existing server's URL instead; its databases are created the same way.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg


def bindir() -> Path:
    """Where initdb and pg_ctl are: PATH, else Debian's /usr/lib/postgresql/N/bin (newest)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found; install Debian's postgresql package")
    return Path(candidates[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL server of our own, started and removed by the test session."""

    def __init__(self, host: str = "127.0.0.1", clients: str | None = None) -> None:
        """``host``: the address it listens on (besides 127.0.0.1) and its URLs name; ``clients``: a network
        (``10.1.2.0/24``) whose hosts may connect too, as a machine's other hosts would."""
        self.external = os.environ.get("KHABAR_TEST_POSTGRES")
        self.folder = Path(tempfile.mkdtemp(prefix="khabar-pg-"))
        self.host = host
        self.clients = clients
        self.port = free_port()
        self.as_user = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        command = [str(bindir() / args[0]), *args[1:]]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr or done.stdout}")

    def start(self) -> "Cluster":
        if self.external:
            return self
        data = self.folder / "data"
        if self.as_user:
            entry = pwd.getpwnam(self.as_user)
            os.chmod(self.folder, 0o755)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(data), "-U", "khabar", "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync")
        if self.clients:
            with open(data / "pg_hba.conf", "a") as hba:
                hba.write(f"host all all {self.clients} trust\n")
        listen = ",".join(dict.fromkeys(["127.0.0.1", self.host]))
        options = (
            f"-c listen_addresses={listen} -c port={self.port} -c unix_socket_directories={self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.folder / "server.log"), "-w", "start")
        return self

    @property
    def admin_url(self) -> str:
        return self.external or f"postgresql://khabar@{self.host}:{self.port}/postgres"

    def database(self) -> str:
        """A new, empty database's URL."""
        name = "khabar_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def drop(self, url: str) -> None:
        """Remove a database made by :meth:`database` (its pooled connections are closed first)."""
        from khabar.store.postgres import close_pool

        close_pool(url)
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        if not self.external:
            try:
                self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
            finally:
                shutil.rmtree(self.folder, ignore_errors=True)
