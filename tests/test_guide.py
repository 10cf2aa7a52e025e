"""The user guide's examples, executed: ``docs/guide.md`` cannot rot.

The guide marks what the test runs; everything else in it is prose or a ``bash`` block (not run, but
every ``iekg …`` line in it is parsed against the real command line, so a renamed option fails here too):

* a ```` ```console ```` block holds commands, each on a line starting with ``$ ``, followed by its
  expected output.  ``$ iekg …`` runs the real CLI (typer's runner on ``iekg.cli.app``) and ``$ curl …``
  runs curl (or, without curl, a small stand-in on httpx) against the API of the same graph, served by
  uvicorn on 127.0.0.1 (``http://127.0.0.1:8000`` in the guide is replaced by the server's address, also in
  ``$ iekg --server http://127.0.0.1:8000 …``).
  The output is compared like doctest with ELLIPSIS and NORMALIZE_WHITESPACE: ``...`` stands for any
  text (also several lines), runs of spaces and line breaks count as one space.  Without a comment such
  as ``# 退出码 1`` (or ``# exit code 1``) on the command line the command must exit with 0;
* a ```` ```python ```` block with ``>>>`` examples runs with :mod:`doctest` (same flags); all such blocks
  share one namespace, in the order of the guide, like cells of a notebook;
* a block whose info string has ``file=PATH`` (```` ```csv file=我的数据/企业.csv encoding=gb18030 ````)
  is written to ``PATH`` (UTF-8 unless ``encoding=`` says otherwise) when the guide reaches it.

Everything runs in one temporary working folder (relative paths of the guide, e.g. ``-o 开封附件.xlsx``,
end up there; ``tests/fixtures`` is copied into it) with ``IEKG_HOME`` pointing into it, so the first
command of the guide, ``iekg build``, prepares the graph all later examples use.  Blocks run in the order
of the guide, each as its own test item; an item also runs the blocks before it that have not run yet.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import subprocess
import traceback
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
from servers import serving
from typer.testing import CliRunner

from iekg import cli
from iekg.cli import app

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "guide.md"
GUIDE_URL = "http://127.0.0.1:8000"
API_KEY = "guide-test-key-0123"  # what the test's server expects as X-API-Key ($IEKG_API_KEY of the guide)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
FENCE = re.compile(r"^```(?P<info>[^`\n]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)
EXIT = re.compile(r"#[^'\"]*?(?:退出码|exit code)\s*(\d+)")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
GLOBAL_OPTIONS = set(cli.GLOBAL_OPTIONS)  # the app's own options, each with a value (--home, --store, --lang, --server)


# ------------------------------------------------------------------------------------ the guide
@dataclass
class Command:
    line: int
    text: str
    expected: list[str] = field(default_factory=list)

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.text, comments=True)

    @property
    def exit_code(self) -> int:
        m = EXIT.search(self.text)
        return int(m.group(1)) if m else 0


@dataclass
class Block:
    kind: str  # console | python | file | bash | other
    line: int  # line of the opening fence
    info: str
    body: str

    @property
    def name(self) -> str:
        return f"{self.kind}@L{self.line}"

    @property
    def attrs(self) -> dict[str, str]:
        return dict(a.split("=", 1) for a in shlex.split(self.info)[1:] if "=" in a)

    def commands(self) -> list[Command]:
        cmds: list[Command] = []
        for k, raw in enumerate(self.body.splitlines()):
            if raw.startswith("$ "):
                cmds.append(Command(self.line + 1 + k, raw[2:].strip()))
            elif cmds:
                cmds[-1].expected.append(raw)
            elif raw.strip():
                raise AssertionError(f"guide.md:{self.line + 1 + k}: a console block starts with a '$ ' line")
        return cmds


def parse_guide(text: str) -> list[Block]:
    blocks = []
    for m in FENCE.finditer(text):
        info = m.group("info").strip()
        lang = info.split()[0] if info else ""
        line = text.count("\n", 0, m.start()) + 1
        if "file=" in info:
            kind = "file"
        elif lang == "console":
            kind = "console"
        elif lang == "python" and ">>>" in m.group("body"):
            kind = "python"
        elif lang in ("bash", "sh", "shell"):
            kind = "bash"
        else:
            kind = "other"
        blocks.append(Block(kind, line, info, m.group("body")))
    return blocks


BLOCKS = parse_guide(GUIDE.read_text(encoding="utf-8")) if GUIDE.is_file() else []
RUNNABLE = [b for b in BLOCKS if b.kind in ("console", "python")]


def matches(expected: list[str], got: str) -> bool:
    want = "\n".join(expected).strip("\n")
    got = ANSI.sub("", got).strip("\n")
    return doctest.OutputChecker().check_output(want + "\n", got + "\n", FLAGS)


# ------------------------------------------------------------------------------------ the command line
def subcommands(cmd: Any) -> dict[str, Any] | None:
    """The commands of a group (typer's own click: duck-typed), None for a leaf command."""
    return getattr(cmd, "commands", None)


def cli_command(args: list[str]) -> tuple[Any, list[str], str]:
    """The leaf command of ``iekg ARGS`` and its own arguments (global options skipped)."""
    i = 0
    while i < len(args) and args[i] in GLOBAL_OPTIONS:
        i += 2
    cmd: Any = typer.main.get_command(app)
    rest, path = args[i:], "iekg"
    while (subs := subcommands(cmd)) is not None:
        if not rest:
            raise AssertionError(f"{path}: no command given")
        if rest[0] not in subs:
            raise LookupError(f"{path} {rest[0]}: no such command")
        cmd, path, rest = subs[rest[0]], f"{path} {rest[0]}", rest[1:]
    return cmd, rest, path


def command_paths() -> set[str]:
    """Every command of the CLI as written after ``iekg`` (``align``, ``viz city`` …)."""
    out: set[str] = set()

    def walk(cmd: Any, prefix: str) -> None:
        subs = subcommands(cmd)
        if subs is None:
            out.add(prefix)
            return
        for name, sub in subs.items():
            if not getattr(sub, "hidden", False):
                walk(sub, f"{prefix} {name}".strip())

    walk(typer.main.get_command(app), "")
    assert len(out) > 10 and "" not in out, out
    return out


def iekg_lines(block: Block) -> Iterator[tuple[int, list[str]]]:
    """The ``iekg`` invocations of a bash block (also after ``docker compose run … api``), as argv."""
    for k, raw in enumerate(block.body.splitlines()):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError:
            continue
        for j, tok in enumerate(tokens):
            if tok == "iekg" or tok.endswith("/iekg"):
                args = []
                for t in tokens[j + 1:]:
                    if t in ("|", "||", "&&", ";", ">", "2>&1"):
                        break
                    args.append(t)
                yield block.line + 1 + k, args
                break


# ------------------------------------------------------------------------------------ curl
def stand_in_curl(cmd: str) -> tuple[int, str]:
    """curl without curl: the options the guide uses, sent with httpx."""
    import httpx

    argv = shlex.split(os.path.expandvars(cmd), comments=True)[1:]
    method, url, out, write_out, get = None, None, None, None, False
    headers: dict[str, str] = {}
    files: list[tuple[str, tuple[str, bytes]]] = []
    form: dict[str, str] = {}
    params: list[tuple[str, str]] = []
    it = iter(argv)
    for a in it:
        if a in ("-s", "--silent", "-S", "--show-error", "-sS"):
            continue
        if a in ("-H", "--header"):
            k, v = next(it).split(":", 1)
            headers[k.strip()] = v.strip()
        elif a in ("-F", "--form"):
            name, v = next(it).split("=", 1)
            if v.startswith("@"):
                p = Path(v[1:])
                files.append((name, (p.name, p.read_bytes())))
            else:
                form[name] = v
        elif a in ("-o", "--output"):
            out = next(it)
        elif a in ("-w", "--write-out"):
            write_out = next(it)
        elif a in ("-G", "--get"):
            get = True
        elif a == "--data-urlencode":
            k, v = next(it).split("=", 1)
            params.append((k, v))
        elif a in ("-X", "--request"):
            method = next(it)
        elif a.startswith("-"):
            raise AssertionError(f"the curl stand-in does not know option {a}: install curl or extend stand_in_curl")
        else:
            url = a
    assert url, cmd
    method = method or ("POST" if files or form or (params and not get) else "GET")
    r = httpx.request(method, url, params=params if get else None, headers=headers, files=files or None,
                      data=form or None, timeout=120)
    text = ""
    if out:
        Path(out).write_bytes(r.content)
    else:
        text = r.text
    if write_out:
        text += (write_out.replace("%{http_code}", str(r.status_code))
                 .replace("%{content_type}", r.headers.get("content-type", "")).replace("\\n", "\n"))
    return 0, text


# ------------------------------------------------------------------------------------ the session
class Failed(Exception):
    pass


class Session:
    """One working folder and graph home for the whole guide; runs its blocks in order."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.work = root / "work"
        self.work.mkdir()
        shutil.copytree(REPO / "tests" / "fixtures", self.work / "tests" / "fixtures")
        self.home = root / "iekg-home"
        self.globs: dict[str, Any] = {}
        self.done: dict[int, BaseException | None] = {}
        self.failed: list[str] = []
        self.servers = ExitStack()
        self.url: str | None = None

    # -- blocks
    def run_until(self, index: int) -> None:
        for i, block in enumerate(BLOCKS[: index + 1]):
            if i in self.done:
                continue
            try:
                self.run_block(block)
                self.done[i] = None
            except BaseException as exc:  # noqa: BLE001 - kept and re-raised by the block's own test item
                self.done[i] = exc
                if not isinstance(exc, pytest.skip.Exception):
                    self.failed.append(block.name)

    def outcome(self, index: int) -> None:
        self.run_until(index)
        exc = self.done[index]
        if exc is None:
            return
        earlier = [n for n in self.failed if n != BLOCKS[index].name]
        if isinstance(exc, Failed) and earlier:
            raise Failed(f"{exc}\n(earlier blocks failed too: {', '.join(earlier)})")
        raise exc

    def run_block(self, block: Block) -> None:
        if block.kind == "file":
            self.write_file(block)
        elif block.kind == "console":
            self.run_console(block)
        elif block.kind == "python":
            self.run_doctest(block)

    def write_file(self, block: Block) -> None:
        attrs = block.attrs
        path = self.work / attrs["file"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(block.body.encode(attrs.get("encoding", "utf-8")))

    def run_console(self, block: Block) -> None:
        cmds = block.commands()
        for c in cmds:  # a command the CLI does not have yet: skip the block (under CI: fail)
            argv = c.argv
            if argv and argv[0] == "iekg":
                try:
                    cli_command(argv[1:])
                except LookupError as exc:
                    msg = f"guide.md:{c.line}: {exc}"
                    if os.environ.get("CI"):
                        raise Failed(msg) from None
                    pytest.skip(msg)
        for c in cmds:
            self.run_command(c)

    def run_command(self, c: Command) -> None:
        argv = c.argv
        if not argv:
            raise Failed(f"guide.md:{c.line}: empty command")
        if argv[0] == "iekg":
            if any(GUIDE_URL in a for a in argv):  # a question asked of the running server (iekg --server …)
                if self.url is None:
                    self.start_server()
                argv = [a.replace(GUIDE_URL, str(self.url)) for a in argv]
            res = CliRunner().invoke(app, argv[1:])
            if res.exception is not None and not isinstance(res.exception, SystemExit):
                tb = "".join(traceback.format_exception(res.exception))
                raise Failed(f"guide.md:{c.line}: `{c.text}` raised\n{tb}")
            code, got = res.exit_code, res.output
        elif argv[0] == "curl":
            code, got = self.curl(c.text)
        else:
            raise Failed(f"guide.md:{c.line}: console blocks run only iekg and curl, not {argv[0]!r} "
                         "(show other commands in a ```bash block)")
        if code != c.exit_code:
            raise Failed(f"guide.md:{c.line}: `{c.text}` exited with {code}, expected {c.exit_code}\n{got}")
        if not matches(c.expected, got):
            want = "\n".join(c.expected)
            raise Failed(f"guide.md:{c.line}: `{c.text}`\n--- expected\n{want}\n--- got\n{got}")
        for opt in ("-o", "--output"):  # a command that writes a file wrote it
            if argv[0] == "iekg" and opt in argv and code == 0:
                target = Path(argv[argv.index(opt) + 1])
                assert target.exists(), f"guide.md:{c.line}: {target} was not written"

    def run_doctest(self, block: Block) -> None:
        test = doctest.DocTestParser().get_doctest(block.body, self.globs, f"guide.md:{block.line}",
                                                   str(GUIDE), block.line)
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        report: list[str] = []
        runner.run(test, out=report.append, clear_globs=False)
        if runner.failures:
            raise Failed("".join(report))

    # -- the API
    def curl(self, text: str) -> tuple[int, str]:
        if self.url is None:
            self.start_server()
        assert self.url is not None
        cmd = text.replace(GUIDE_URL, self.url)
        if shutil.which("curl") and not os.environ.get("IEKG_GUIDE_NO_CURL"):
            p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=120, cwd=self.work)
            return p.returncode, p.stdout + p.stderr
        return stand_in_curl(cmd)

    def start_server(self) -> None:
        """What ``iekg serve`` runs (create_app on the settings of the environment), on a free port."""
        from iekg.api.main import create_app
        from iekg.settings import Settings

        self.url = self.servers.enter_context(serving(create_app(Settings()), start_timeout=60, join_timeout=15))

    def close(self) -> None:
        self.servers.close()


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    root = tmp_path_factory.mktemp("guide")
    s = Session(root)
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("IEKG_") or key in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
                mp.delenv(key)
        mp.setenv("IEKG_HOME", str(s.home))
        mp.setenv("IEKG_API_KEY", API_KEY)
        mp.setenv("COLUMNS", "200")
        mp.setenv("NO_COLOR", "1")
        mp.chdir(s.work)
        try:
            yield s
        finally:
            s.close()


# ------------------------------------------------------------------------------------ the tests
def test_guide_exists_and_starts_with_build() -> None:
    assert GUIDE.is_file(), "docs/guide.md is missing"
    first = next(b for b in BLOCKS if b.kind == "console").commands()[0]
    assert first.argv[:2] == ["iekg", "build"], f"the guide's first command must be `iekg build`, not {first.text}"
    assert len(RUNNABLE) >= 20, "the guide has few executed examples"


@pytest.mark.parametrize("index", [BLOCKS.index(b) for b in RUNNABLE], ids=[b.name for b in RUNNABLE])
def test_guide_block(session: Session, index: int) -> None:
    session.outcome(index)


def test_bash_blocks_use_real_commands_and_options() -> None:
    """The examples the test cannot run (make, docker, Neo4j, serve) still name real commands and options."""
    bad = []
    for block in BLOCKS:
        if block.kind != "bash":
            continue
        for line, args in iekg_lines(block):
            if not args or "--help" in args:
                continue
            try:
                cmd, rest, path = cli_command(args)
                cmd.make_context(path, list(rest), resilient_parsing=False)
            except Exception as exc:  # typer's click: UsageError, NoSuchOption, MissingParameter …
                msg = exc.format_message() if hasattr(exc, "format_message") else str(exc)
                bad.append(f"guide.md:{line}: iekg {' '.join(args)}: {msg}")
    assert not bad, "\n".join(bad)


def test_every_command_is_in_the_guide() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    missing = [p for p in sorted(command_paths()) if not re.search(rf"iekg(?: --\w+ \S+)* {re.escape(p)}\b", text)]
    assert not missing, f"commands without an example in docs/guide.md: {missing}"


def test_every_api_route_is_in_the_guide(tmp_path: Path) -> None:
    from iekg.api.main import create_app
    from iekg.settings import Settings

    text = GUIDE.read_text(encoding="utf-8")
    paths = create_app(Settings(home=tmp_path)).openapi()["paths"]
    missing = [p for p in paths if f"`{p}`" not in text]
    assert not missing, f"API routes not listed in docs/guide.md: {missing}"


def test_mermaid_diagram_matches_the_schema() -> None:
    from iekg.graph.schema import NODE_TYPES, REL_TYPES

    edge = re.compile(r"^\s*(\w+)\s*-->\|(\w+)\|\s*(\w+)\s*$")
    wrong, seen = [], 0
    for block in BLOCKS:
        if not block.info.startswith("mermaid"):
            continue
        for k, line in enumerate(block.body.splitlines()):
            m = edge.match(line)
            if not m:
                continue
            seen += 1
            a, t, b = m.groups()
            rel = REL_TYPES.get(t)
            if a not in NODE_TYPES or b not in NODE_TYPES or rel is None or (a, b) not in {tuple(p) for p in rel.pairs}:
                wrong.append(f"guide.md:{block.line + 1 + k}: {a} -[{t}]-> {b}")
    assert seen, "the guide has no mermaid schema diagram"
    assert not wrong, "edges not in iekg/graph/schema.py:\n" + "\n".join(wrong)
