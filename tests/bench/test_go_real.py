"""Real ``go test -bench -benchmem`` output, read and compared by perfkit benchstat (skips loudly
where go is absent; .ci/run installs golang-go)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit.bench import benchstat, storage

GO_MOD = "module example.com/perfkitbench\n\ngo 1.19\n"
GO_TEST = """package perfkitbench

import (
	"strconv"
	"strings"
	"testing"
)

var sink []byte

func BenchmarkAlloc(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = make([]byte, 1000)
	}
}

func BenchmarkJoin(b *testing.B) {
	for _, size := range []int{10, 100} {
		parts := make([]string, size)
		for i := range parts {
			parts[i] = "x"
		}
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sink = []byte(strings.Join(parts, ","))
			}
		})
	}
}
"""


@pytest.fixture(scope="module")
def go_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    import shutil

    go = shutil.which("go")
    if go is None:
        pytest.skip("SKIPPED LOUDLY: `go` is not installed (apt-get install golang-go; .ci/run does)")
    root = tmp_path_factory.mktemp("gobench")
    (root / "go.mod").write_text(GO_MOD)
    (root / "bench_test.go").write_text(GO_TEST)
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOCACHE": str(root / "cache"), "GOPATH": str(root / "gopath"),
           "GOPROXY": "off", "GO111MODULE": "on"}  # fmt: skip
    outputs = []
    for name in ("old.txt", "new.txt"):
        cmd = [go, "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "5", "-benchtime", "2000x"]
        done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        (root / name).write_text(done.stdout)
        outputs.append(root / name)
    return outputs[0], outputs[1]


def test_reads_real_go_output(go_results: tuple[Path, Path]) -> None:
    old, _ = go_results
    result = storage.load_results(old)
    assert result.warnings == []
    names = {r.name.rsplit("-", 1)[0] if r.name[-1].isdigit() and "-" in r.name else r.name for r in result.results}
    assert names == {"Alloc", "Join/size=10", "Join/size=100"}
    alloc = [r for r in result.results if r.name.startswith("Alloc")]
    assert len(alloc) == 5
    assert all(r.iters == 2000 and r.value("B/op") == 1024 and r.value("allocs/op") == 1 for r in alloc)
    assert alloc[0].config.get("pkg") == "example.com/perfkitbench"
    assert list(alloc[0].config.file_keys()) == ["goos", "goarch", "pkg", "cpu"]


def test_benchstat_compares_real_go_output(go_results: tuple[Path, Path]) -> None:
    old, new = go_results
    sets = [storage.load_results(old), storage.load_results(new)]
    tables = {t.unit: t for t in benchstat.build_tables(sets)}
    assert set(tables) == {"sec/op", "B/op", "allocs/op"}
    assert len(tables["sec/op"].rows) == 3 and tables["sec/op"].summaries[1].ratio is not None
    for row in tables["B/op"].rows:
        comparison = row.cells[1].comparison
        assert comparison is not None and not comparison.significant  # identical allocations
        assert "all samples are equal" in comparison.warnings
    done = subprocess.run([sys.executable, "-m", "perfkit", "benchstat", str(old), str(new)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "pkg: example.com/perfkitbench" in done.stdout and "vs base" in done.stdout
