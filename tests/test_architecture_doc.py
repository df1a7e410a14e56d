"""ARCHITECTURE.md stays true to the code: the names it cites exist, every module is on the map,
and the import rules it states hold.

Static checks only (file system and ``ast``, nothing imported): about a second for the file.
When one fails after a move or a new module, fix ARCHITECTURE.md in the same commit.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "ARCHITECTURE.md"
SRC = ROOT / "src"
PACKAGE = SRC / "perfkit"

_FENCE = re.compile(r"^```.*?^```", re.M | re.S)
_SPAN = re.compile(r"`([^`\n]+)`")
_MODULE = re.compile(r"(?<![\w.])perfkit(?:\.[A-Za-z_]\w*)+")
#: a path from the repository root; ``bench_<what>.py`` placeholders are not paths
_PATH = re.compile(r"(?<![\w./-])((?:src|tests|benchmarks|reports|examples|\.ci)/[\w./*-]*)(?![\w./*<>-])")
_WORD = re.compile(r"[A-Za-z_][\w]*")


@cache
def code_texts() -> tuple[str, ...]:
    """Everything ARCHITECTURE.md sets as code: fenced blocks whole, and inline code spans."""
    text = DOC.read_text(encoding="utf-8")
    fenced = _FENCE.findall(text)
    return (*fenced, *_SPAN.findall(_FENCE.sub("", text)))


def cited(pattern: re.Pattern[str]) -> list[str]:
    found = {m.group(1) if pattern.groups else m.group(0) for t in code_texts() for m in pattern.finditer(t)}
    return sorted(p.rstrip(".,") for p in found)


def module_file(parts: list[str]) -> Path | None:
    """The source file of dotted module ``parts`` (a module or a package), if it exists."""
    base = SRC.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def top_level_names(path: Path) -> dict[str, ast.AST]:
    """Names a module defines or imports at its top level (what ``module.NAME`` can reach)."""
    names: dict[str, ast.AST] = {}
    body = ast.parse(path.read_text(encoding="utf-8")).body
    # names imported under a top-level ``if TYPE_CHECKING:`` are what a lazy ``__getattr__`` serves
    body += [inner for node in body if isinstance(node, ast.If) for inner in node.body]
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        names[name.id] = node
    return names


def class_members(node: ast.ClassDef) -> set[str]:
    members: set[str] = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            members.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            members.add(item.target.id)
        elif isinstance(item, ast.Assign):
            members.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return members


def missing_reference(dotted: str) -> str | None:
    """Why ``perfkit.a.b.Name.attr`` does not exist, or None when it does."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        path = module_file(parts[:cut])
        if path is not None:
            break
    else:
        return "no such module"
    rest = parts[cut:]
    if not rest:
        return None
    node = top_level_names(path).get(rest[0])
    if node is None:
        return f"{path.relative_to(ROOT)} defines no {rest[0]!r}"
    if len(rest) == 1:
        return None
    if len(rest) == 2 and isinstance(node, ast.ClassDef) and rest[1] in class_members(node):
        return None
    return f"{'.'.join(rest)!r} is not a member of {path.relative_to(ROOT)}"


def test_the_doc_cites_modules_and_paths() -> None:
    """The parser finds what it should (so the checks below cannot pass on nothing)."""
    assert "perfkit.model.Profile" in cited(_MODULE)
    assert "tests/goprofiles.py" in cited(_PATH)
    assert ".ci/run" in cited(_PATH)


def test_cited_modules_exist() -> None:
    broken = {dotted: missing_reference(dotted) for dotted in cited(_MODULE)}
    broken = {k: v for k, v in broken.items() if v is not None}
    assert not broken, "ARCHITECTURE.md cites names that do not exist: " + "; ".join(
        f"`{k}`: {v}" for k, v in broken.items()
    )


def test_cited_paths_exist() -> None:
    missing = [p for p in cited(_PATH) if not (any(ROOT.glob(p)) if "*" in p else (ROOT / p).exists())]
    assert not missing, f"ARCHITECTURE.md cites paths that do not exist: {', '.join(missing)}"


def all_modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")


def test_every_module_is_on_the_map() -> None:
    """Each subpackage and top-level module by its full name, every other module at least by its
    short name in code, so a new module cannot land without a place on the map."""
    words = {w for t in code_texts() for w in _WORD.findall(t)}
    dotted = set(cited(_MODULE))
    unmapped = []
    for path in all_modules():
        rel = path.relative_to(SRC).with_suffix("")
        parts = rel.parts[:-1] if path.name == "__init__.py" else rel.parts
        name = ".".join(parts)
        if len(parts) == 1:
            continue  # perfkit itself
        if len(parts) == 2:  # perfkit.graph, perfkit.model ...
            if name not in dotted:
                unmapped.append(name)
        elif parts[-1] not in words and name not in dotted:
            unmapped.append(name)
    assert not unmapped, f"add these to ARCHITECTURE.md (layer table or tool section): {', '.join(unmapped)}"


# -------------------------------------------------------------------------- import rules
@cache
def imports_of(path: Path) -> frozenset[str]:
    """Every perfkit module ``path`` imports, at any depth (lazy imports count), as dotted names."""
    rel = path.relative_to(SRC).with_suffix("")
    package = list(rel.parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _MODULE.fullmatch(node.value):
            found.add(node.value)  # importlib strings: files.READERS, collectors.BACKENDS ...
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return frozenset(m for m in found if m == "perfkit" or m.startswith("perfkit."))


def modules_under(*names: str) -> list[Path]:
    out = []
    for name in names:
        base = PACKAGE.joinpath(*name.split(".")[1:])
        out += sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
    return out


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_model_imports_nothing_of_perfkit() -> None:
    """The model layer: ``perfkit.model`` imports only ``perfkit.outcome`` (re-exporting it),
    which imports nothing of perfkit."""
    assert sorted(m for m in imports_of(PACKAGE / "model.py") if not _under(m, ("perfkit.outcome",))) == []
    assert imports_of(PACKAGE / "outcome.py") == frozenset()


def test_race_runtime_imports_only_race() -> None:
    """The detector loads into every process under test, before perfkit could be imported."""
    cli_side = {PACKAGE / "race" / "runner.py", PACKAGE / "race" / "commands.py"}
    bad = {
        f"{p.relative_to(SRC)} imports {m}"
        for p in modules_under("perfkit.race")
        if p not in cli_side
        for m in imports_of(p)
        if not _under(m, ("perfkit.race",))
    }
    assert not bad, sorted(bad)


#: the layers below the tools and the CLI (the doc's "core layers"), and what they must not import
CORE = (
    "perfkit.model",
    "perfkit.outcome",
    "perfkit.errors",
    "perfkit.atomic",
    "perfkit.files",
    "perfkit.tags",
    "perfkit.formats",
    "perfkit.collectors",
    "perfkit.graph",
    "perfkit.views",
)
OUTER = (
    "perfkit.cli",
    "perfkit.commands",
    "perfkit.bench",
    "perfkit.race",
    "perfkit.debug",
    "perfkit.logs",
    "perfkit.web",
)


def test_core_layers_do_not_import_the_cli_or_the_tools() -> None:
    bad = {
        f"{p.relative_to(SRC)} imports {m}"
        for p in modules_under(*CORE)
        for m in imports_of(p)
        if _under(m, OUTER) or m.endswith(".commands")
    }
    assert not bad, sorted(bad)
