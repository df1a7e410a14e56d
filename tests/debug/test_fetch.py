"""``fetch_profile`` / ``perfkit profile --url``: URL handling, one-line errors from real servers,
corrupted bodies (hypothesis), and a real Go service's net/http/pprof."""

from __future__ import annotations

import gzip
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import perfkit.debug
from perfkit.debug import fetch
from perfkit.errors import PerfkitError
from perfkit.formats import pprof
from perfkit.model import Profile

GO_SERVICE = Path(__file__).parent / "programs" / "goservice" / "main.go"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:6060", "http://127.0.0.1:6060/debug/pprof/profile?seconds=5"),
        ("http://127.0.0.1:6060/", "http://127.0.0.1:6060/debug/pprof/profile?seconds=5"),
        ("http://h:1/debug/pprof/", "http://h:1/debug/pprof/profile?seconds=5"),
        ("http://h:1/debug/pprof/profile?seconds=9", "http://h:1/debug/pprof/profile?seconds=9"),
        ("http://h:1/debug/pprof/heap", "http://h:1/debug/pprof/heap"),
    ],
)
def test_profile_url(url: str, expected: str) -> None:
    assert fetch.profile_url(url, 5) == expected


@pytest.mark.parametrize("url", ["127.0.0.1:6060", "file:///etc/passwd", "ftp://h/x", "http://"])
def test_bad_urls_are_one_line(url: str) -> None:
    with pytest.raises(PerfkitError, match="use http://HOST:PORT"):
        fetch.fetch_profile(url, 1)


def test_connection_refused_is_one_line() -> None:
    server = perfkit.debug.start()
    url = server.url
    server.close()  # nothing listens there now
    with pytest.raises(PerfkitError, match="cannot connect") as info:
        fetch.fetch_profile(url, 1)
    assert "\n" not in str(info.value)


def test_fetch_from_perfkit_and_errors_from_a_real_server() -> None:
    with perfkit.debug.start(token="tok-0123456789abcdef") as server:
        with pytest.raises(PerfkitError, match="401 unauthorized; pass --token"):
            fetch.fetch_profile(server.url, 1, token="")
        profile = fetch.fetch_profile(server.url, 1, token="tok-0123456789abcdef", mode="wall")
        assert str(profile.sample_types[1]) == "wall/nanoseconds"
        assert profile.metadata["source_url"].endswith("seconds=1&mode=wall")
        with pytest.raises(PerfkitError, match="404 not found"):
            fetch.fetch_profile(server.url + "/debug/pprof/nothing", 1, token="tok-0123456789abcdef")
        with pytest.raises(PerfkitError, match="400 bad request"):
            fetch.fetch_profile(server.url, 999, token="tok-0123456789abcdef")
        with pytest.raises(PerfkitError, match="not a pprof profile"):
            fetch.fetch_profile(server.url + "/debug/pprof/cmdline", 1, token="tok-0123456789abcdef")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=300))
def test_corrupted_bodies_are_one_line_errors(data: bytes) -> None:
    try:
        profile = fetch.decode_profile(data, "http://x/debug/pprof/profile")
    except PerfkitError as exc:
        assert "http://x/debug/pprof/profile" in str(exc) and "\n" not in str(exc)
    else:
        assert isinstance(profile, Profile)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_damaged_real_profiles_are_one_line_errors(data: st.DataObject) -> None:
    profile = Profile()
    from perfkit.model import Frame

    profile.add([Frame("main", "a.py", 1), Frame("busy_handler", "a.py", 9)], 7, {"thread": "busy-0"})
    raw = bytearray(pprof.write(profile, compress=False))
    for _ in range(data.draw(st.integers(1, 5))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(raw)))
    body = gzip.compress(bytes(raw[:cut])) if data.draw(st.booleans()) else bytes(raw[:cut])
    try:
        fetch.decode_profile(body, "http://x/p")
    except PerfkitError as exc:
        assert "\n" not in str(exc)


@pytest.fixture(scope="module")
def go_service(tmp_path_factory: pytest.TempPathFactory) -> str:
    import shutil

    go = shutil.which("go")
    if go is None:
        pytest.skip("SKIPPED LOUDLY: `go` is not installed (apt-get install golang-go; .ci/run does)")
    folder = tmp_path_factory.mktemp("go")
    binary = folder / "goservice"
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GO111MODULE": "off", "GOCACHE": str(folder / "cache")}
    subprocess.run([go, "build", "-o", str(binary), str(GO_SERVICE)], check=True, env=env, timeout=300)
    proc = subprocess.Popen([str(binary)], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("READY "), line
        yield line.split()[1]
    finally:
        proc.kill()
        proc.wait()


def test_fetch_from_a_go_service(go_service: str) -> None:
    profile = fetch.fetch_profile(go_service, 1)
    functions = {f.function for f in profile.frames}
    assert "main.spinGoHotLoop" in functions
    hot = profile.filter(focus="spinGoHotLoop").total()
    assert hot > 0.8 * profile.total()


def test_cli_profile_url_go_service(go_service: str, tmp_path: Path) -> None:
    import sys

    out = tmp_path / "go.svg"
    done = subprocess.run(
        [sys.executable, "-m", "perfkit", "profile", "--url", go_service, "--seconds", "1", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "main.spinGoHotLoop" in out.read_text()


def test_dump_url_from_a_go_service(go_service: str) -> None:
    text = fetch.fetch_dump(go_service, debug=2)
    assert "goroutine" in text and "main.spinGoHotLoop" in text


def test_cli_profile_url_token_option_and_environment(tmp_path: Path) -> None:
    import sys

    token = "cli-token-0123456789abcdef"
    with perfkit.debug.start(token=token) as server:
        base = [sys.executable, "-m", "perfkit", "profile", "--url", server.url, "--seconds", "1", "-q"]
        env = {k: v for k, v in os.environ.items() if k != "PERFKIT_DEBUG_TOKEN"}
        refused = subprocess.run([*base, "-o", str(tmp_path / "no.folded")], capture_output=True, text=True, env=env)
        assert refused.returncode != 0 and "401 unauthorized; pass --token" in refused.stderr
        by_option = subprocess.run(
            [*base, "--token", token, "-o", str(tmp_path / "a.folded")], capture_output=True, text=True, env=env
        )
        assert by_option.returncode == 0, by_option.stderr
        by_env = subprocess.run(
            [*base, "-o", str(tmp_path / "b.folded")],
            capture_output=True,
            text=True,
            env={**env, "PERFKIT_DEBUG_TOKEN": token},
        )
        assert by_env.returncode == 0, by_env.stderr
