"""Start and stop a throwaway PostgreSQL cluster for tests (Debian's postgresql package).

    python scripts/pg.py start [--port 55432]   # initdb if needed, start, print the database URL
    python scripts/pg.py stop
    python scripts/pg.py url

The cluster lives in /var/tmp/ipplatform-pg-<uid> (reachable by the postgres user, which the
server needs when we run as root), listens on 127.0.0.1 only and trusts local connections.
Standard library only.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_PORT = int(os.environ.get("IPP_PG_PORT", "55432"))
DATA = Path(os.environ.get("IPP_PG_DIR", f"/var/tmp/ipplatform-pg-{os.getuid()}"))
DB_USER = "ipplatform"


class PgError(RuntimeError):
    pass


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise PgError("PostgreSQL server not installed: apt-get install -y postgresql")
    return Path(found[-1]).parent


def _as_server_user(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """Run a server command; as root it must run as the postgres user."""
    if os.getuid() == 0:
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        cmd = [runuser, "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def url(port: int = DEFAULT_PORT, db: str = "ipplatform_test") -> str:
    return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{port}/{db}"


def _running(bindir: Path) -> bool:
    if not (DATA / "PG_VERSION").exists():
        return False
    try:
        _as_server_user([str(bindir / "pg_ctl"), "status", "-D", str(DATA)])
        return True
    except subprocess.CalledProcessError:
        return False


def running() -> bool:
    """Whether this machine's test cluster is up (started by an earlier run or another checkout)."""
    return _running(_bindir())


def start(port: int = DEFAULT_PORT) -> str:
    bindir = _bindir()
    if not (DATA / "PG_VERSION").exists():
        DATA.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(DATA, "postgres", "postgres")
        DATA.chmod(0o700)
        _as_server_user([str(bindir / "initdb"), "-D", str(DATA), "-E", "UTF8", "--locale=C.UTF-8",
                         "-A", "trust", "-U", "postgres"])
    if not _running(bindir):
        opts = f"-p {port} -k {DATA} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        _as_server_user([str(bindir / "pg_ctl"), "start", "-w", "-D", str(DATA), "-l", str(DATA / "server.log"),
                         "-o", opts])
    psql = [str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-tAc"]
    for _ in range(50):
        try:
            exists = subprocess.run([*psql, f"SELECT 1 FROM pg_roles WHERE rolname='{DB_USER}'"],
                                    check=True, capture_output=True, text=True).stdout.strip()
            break
        except subprocess.CalledProcessError:
            time.sleep(0.1)
    else:
        raise PgError(f"PostgreSQL did not accept connections on port {port}")
    if exists != "1":
        subprocess.run([*psql, f"CREATE ROLE {DB_USER} LOGIN SUPERUSER"], check=True, capture_output=True)
    return url(port)


def stop() -> bool:
    bindir = _bindir()
    if not _running(bindir):
        return False
    _as_server_user([str(bindir / "pg_ctl"), "stop", "-D", str(DATA), "-m", "fast"])
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "url"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            print(start(args.port))
        elif args.command == "stop":
            print("postgres: stopped" if stop() else "postgres: not running")
        else:
            print(url(args.port))
    except (PgError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        print(f"postgres: {exc} {detail}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
