"""Serving the app and driving Debian's Chromium: shared by the browser tests and the app benchmark."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
#: Flags that keep a headless Chromium from reaching outside this machine (see shared/notes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    """A TCP port on localhost that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, proc: subprocess.Popen, timeout_s: float) -> None:
    """Block until `url` answers; RuntimeError if the server process exits or `timeout_s` passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the app server exited (code {proc.returncode}) before serving {url}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not answer on {url} within {timeout_s:.0f} s") from None
            time.sleep(0.3)


def stop_server(proc: subprocess.Popen, timeout_s: float = 10.0) -> None:
    """Stop an app server started with Popen: terminate, and kill if it has not exited in `timeout_s`."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()


def is_local(host) -> bool:
    """True for this machine: empty, localhost, *.localhost, loopback or unspecified addresses."""
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]")
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def outside_call(event: str, args: tuple) -> str | None:
    """For an audit-hook event (`sys.addaudithook`): "connect host:port" or "resolve host" when it
    reaches beyond this machine, else None. The offline checks of the tests use it in and out of process."""
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and not is_local(address[0]):
            return f"connect {address[0]}:{address[1]}"
    elif event == "socket.getaddrinfo":
        if args and args[0] is not None and not is_local(args[0]):
            return f"resolve {args[0]}"
    return None
