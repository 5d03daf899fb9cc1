"""The offline audit helpers: what counts as leaving this machine (the browser tests rely on them)."""

from __future__ import annotations

from viz.browser import is_local, outside_call


def test_local_hosts_are_local():
    for host in ("", "localhost", "app.localhost", "127.0.0.1", "[::1]", "0.0.0.0", b"127.0.0.2"):
        assert is_local(host), host
    for host in ("pypi.org", "8.8.8.8", "[2001:4860:4860::8888]", "fe80::1%lo"):
        assert not is_local(host), host


def test_outside_calls_are_reported_and_local_ones_are_not():
    assert outside_call("socket.connect", (None, ("93.184.216.34", 443))) == "connect 93.184.216.34:443"
    assert outside_call("socket.getaddrinfo", ("cdn.jsdelivr.net", 443)) == "resolve cdn.jsdelivr.net"
    assert outside_call("socket.connect", (None, ("127.0.0.1", 8765))) is None
    assert outside_call("socket.getaddrinfo", ("localhost", 8765)) is None
    assert outside_call("socket.connect", (None, "/tmp/some.sock")) is None  # a Unix socket
    assert outside_call("open", ("file.txt",)) is None
