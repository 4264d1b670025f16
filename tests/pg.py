"""A throwaway PostgreSQL cluster for tests and benches: initdb + pg_ctl in a temporary
folder, on 127.0.0.1 and a free port, fsync off (nothing in it outlives the run).

    cluster = Cluster.start()            # raises Unavailable (with the reason) if it cannot
    url = cluster.create_database("x")   # postgresql://postgres@127.0.0.1:PORT/x
    cluster.stop()                       # stops the server and deletes its folder

Or from a shell (the multinode test and benches): ``python -m tests.pg`` starts one, prints
its base URL (``postgresql://postgres@127.0.0.1:PORT``) and its folder, and stops it on
SIGTERM/SIGINT.

Debian installs the server binaries in /usr/lib/postgresql/<version>/bin, off the PATH
(scripts/system-deps.sh installs the ``postgresql`` package when missing and root). initdb
refuses to run as root: as root the cluster runs as the ``postgres`` system user the package
creates (runuser), in a folder that user owns."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import psycopg


class Unavailable(Exception):
    """No cluster can start here; the message says why (tests skip with it)."""


def server_bin() -> str:
    """The folder of initdb and pg_ctl: Debian's newest version, else the PATH's."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(os.path.realpath(initdb))
    raise Unavailable("PostgreSQL is not installed (Debian: apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    folder: str
    port: int
    bin: str
    user: str | None  # the system user the server runs as, when we are root

    @property
    def base_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def url(self, database: str = "postgres") -> str:
        return f"{self.base_url}/{database}"

    @classmethod
    def start(cls, *, timeout: float = 60) -> Cluster:
        binaries = server_bin()
        user = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and no 'postgres' system user") from None
            user = "postgres"
        folder = tempfile.mkdtemp(prefix="tanji-pg-")
        if user is not None:
            shutil.chown(folder, user, user)
        cluster = cls(folder, _free_port(), binaries, user)
        try:
            cluster._run(
                "initdb", "-D", f"{folder}/data", "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            )  # fmt: skip
            options = (
                f"-p {cluster.port} -c listen_addresses=127.0.0.1 -k {folder} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200 -c shared_buffers=64MB"
            )
            cluster._run(
                "pg_ctl", "-D", f"{folder}/data", "-l", f"{folder}/log", "-o", options,
                "-w", "-t", str(int(timeout)), "start",
            )  # fmt: skip
        except Unavailable:
            cluster.stop()
            raise
        return cluster

    def _run(self, tool: str, *args: str) -> None:
        command = [os.path.join(self.bin, tool), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            log = ""
            if os.path.exists(f"{self.folder}/log"):
                with open(f"{self.folder}/log") as f:
                    log = f.read()[-2000:]
            raise Unavailable(f"{tool} failed: {done.stderr.strip()[-2000:]} {log}".strip())

    def execute(self, sql: str, database: str = "postgres") -> None:
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """A new database (a copy of ``template`` if given: a file copy, fast); its URL."""
        suffix = f" template {template} strategy file_copy" if template else ""
        self.execute(f'create database "{name}"{suffix}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.execute(f'drop database if exists "{name}" with (force)')

    def stop(self) -> None:
        if os.path.exists(f"{self.folder}/data/postmaster.pid"):
            try:
                self._run("pg_ctl", "-D", f"{self.folder}/data", "-m", "immediate", "stop")
            except Unavailable:
                pass
        shutil.rmtree(self.folder, ignore_errors=True)


def main() -> None:
    try:
        cluster = Cluster.start()
    except Unavailable as error:
        print(f"cannot start PostgreSQL: {error}", file=sys.stderr)
        sys.exit(1)
    print(cluster.base_url, cluster.folder, flush=True)
    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(1))
    try:
        while not stopping:
            time.sleep(0.2)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
