"""Build, start, check and stop the dev/CI Elasticsearch node (see scripts/engine/).

    python scripts/engine.py build            # resolve jars (cached in ~/.m2) and compile the launcher
    python scripts/engine.py start [--port N] [--home DIR]
    python scripts/engine.py status|health|stop [--home DIR]

The node is a real Elasticsearch 8.19 built from Maven Central artifacts; it keeps data under
``.data/engine`` (or --home) and listens on 127.0.0.1 only. Standard library only, so it runs
before the virtual environment exists.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE_DIR = ROOT / "scripts" / "engine"
LIB = ENGINE_DIR / "lib"
CLASSES = ENGINE_DIR / "classes"
DEFAULT_HOME = ROOT / ".data" / "engine"
JVM_OPTS = ["-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Dfile.encoding=UTF-8"]


class EngineError(RuntimeError):
    pass


def _stamp() -> str:
    sources = sorted((ENGINE_DIR / "src").glob("*.java")) + [ENGINE_DIR / "pom.xml"]
    return str(max(p.stat().st_mtime for p in sources))


def build(quiet: bool = False) -> None:
    """Resolve the engine's jars and compile the launcher, unless already up to date."""
    marker = CLASSES / ".built"
    if marker.exists() and marker.read_text() == _stamp() and any(LIB.glob("elasticsearch-8*.jar")):
        return
    for tool in ("mvn", "javac", "java"):
        if shutil.which(tool) is None:
            raise EngineError(f"'{tool}' not found: install a JDK 17+ and Maven 3.8+")
    if not quiet:
        print("engine: resolving Elasticsearch jars from Maven Central (cached in ~/.m2) ...", flush=True)
    if LIB.exists():
        shutil.rmtree(LIB)
    subprocess.run(
        ["mvn", "-B", "-q", "dependency:copy-dependencies", f"-DoutputDirectory={LIB}"],
        cwd=ENGINE_DIR, check=True,
    )
    if CLASSES.exists():
        shutil.rmtree(CLASSES)
    CLASSES.mkdir(parents=True)
    sources = [str(p) for p in (ENGINE_DIR / "src").glob("*.java")]
    subprocess.run(["javac", "-d", str(CLASSES), "-cp", f"{LIB}/*", *sources], check=True)
    marker.write_text(_stamp())


def _url(port: int, path: str) -> str:
    return f"http://127.0.0.1:{port}{path}"


def _get_json(port: int, path: str, timeout: float = 2.0) -> dict:
    with urllib.request.urlopen(_url(port, path), timeout=timeout) as resp:
        return json.loads(resp.read().decode())


def _pid_file(home: Path) -> Path:
    return home / "engine.pid"


def _port_file(home: Path) -> Path:
    return home / "engine.port"


def _alive(pid: int) -> bool:
    """True while the process runs; reaps it when it is our own exited child (else it stays a zombie)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass  # not our child: started by another process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _read_pid(home: Path) -> int | None:
    try:
        pid = int(_pid_file(home).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _alive(pid) else None


def health(port: int) -> dict | None:
    """Cluster health, or None when the node does not answer."""
    try:
        return _get_json(port, "/_cluster/health")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, json.JSONDecodeError):
        return None


def start(port: int = 9200, home: Path = DEFAULT_HOME, timeout: float = 120.0) -> int:
    """Start the node (idempotent) and wait for green. Returns the PID."""
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    pid = _read_pid(home)
    if pid is not None and health(port):
        return pid
    if health(port):
        raise EngineError(f"port {port} already answers but is not our engine (home {home})")
    build()
    java = os.environ.get("IPP_ENGINE_JAVA") or shutil.which("java")
    cmd = [java, *JVM_OPTS, "-cp", f"{CLASSES}:{LIB}/*", "DevEngine", str(home), str(port)]
    log = open(home / "engine.out", "ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _pid_file(home).write_text(str(proc.pid))
    _port_file(home).write_text(str(port))
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            tail = (home / "engine.out").read_text(errors="replace")[-3000:]
            raise EngineError(f"engine exited with code {proc.returncode}:\n{tail}")
        h = health(port)
        if h and h.get("status") == "green":
            return proc.pid
        time.sleep(0.25)
    stop(home)
    raise EngineError(f"engine did not reach green within {timeout:.0f}s (log: {home / 'engine.out'})")


def stop(home: Path = DEFAULT_HOME, timeout: float = 30.0) -> bool:
    """Stop the node by PID (SIGTERM, then SIGKILL). Returns True if one was running."""
    home = home.resolve()
    pid = _read_pid(home)
    if pid is None:
        _pid_file(home).unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if not _alive(pid):
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
        _alive(pid)
    _pid_file(home).unlink(missing_ok=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["build", "start", "stop", "status", "health"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("IPP_ENGINE_PORT", "9200")))
    parser.add_argument("--home", type=Path, default=DEFAULT_HOME)
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            build()
        elif args.command == "start":
            t0 = time.monotonic()
            pid = start(args.port, args.home)
            print(f"engine: green on 127.0.0.1:{args.port} (pid {pid}, {time.monotonic() - t0:.1f}s)")
        elif args.command == "stop":
            print("engine: stopped" if stop(args.home) else "engine: not running")
        elif args.command in ("status", "health"):
            h = health(args.port)
            print(json.dumps(h) if h else "engine: not answering")
            return 0 if h else 1
    except EngineError as exc:
        print(f"engine: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
