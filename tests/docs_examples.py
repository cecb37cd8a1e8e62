"""The command examples of README.md and docs/: found, prepared for and run through the CLI.

An example is a `$ visitsim ...` line (or `$ .venv/bin/visitsim ...`) in a `console`
code block, with the output lines shown under it up to the next `$ ` line. Examples in
one block run in order in one folder (so `init` then `validate` then `run` see each
other's files), which holds a copy of `scenarios/`, and in which every results directory
the commands name (`results/<scenario>/<run-id>`) exists: a complete run of that
scenario, or an interrupted one for `--resume`. Used by tests/test_docs.py (small
budgets) and bench/docs_examples.py (the documented budgets).
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from simulator import load_scenario, run_scenario
from simulator.api import Interrupted
from simulator.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
RUN_DIR = re.compile(r"results/([a-z][a-z0-9_]*)/(\d{8}-\d{6}-s\d+)")
RUN_ID = re.compile(r"\d{8}-\d{6}-s\d+(-\d+)?")
SIMULATING = {"run", "compare", "sweep", "sensitivity", "robustness", "reproduce", "calibrate"}
SMALL = "20"  # replications per ordering (and per setting) under a small budget


@dataclass(frozen=True)
class Example:
    """One documented command and the output shown under it."""

    page: str
    line: int
    argv: tuple[str, ...]  # after `visitsim`
    redirect: str | None  # a file the example sends stdout to (`> FILE`)
    shown: tuple[str, ...]

    @property
    def status(self) -> int:
        """The exit status the example documents: 2 when it shows an error, else 0."""
        return 2 if self.shown and self.shown[0].startswith("error:") else 0

    @property
    def simulates(self) -> bool:
        """Whether it runs replications (a replay or trace of one does not count)."""
        return (
            self.argv[0] in SIMULATING
            and "--replay" not in self.argv
            and "--trace" not in self.argv
            and self.status == 0
        )

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: visitsim {shlex.join(self.argv)}"


def _command(text: str) -> tuple[tuple[str, ...], str | None] | None:
    """The arguments after `visitsim`, and a redirect target, of a `$ ` line; None when
    the line runs something else."""
    words = shlex.split(text, comments=True)
    if not words or Path(words[0]).name != "visitsim":
        return None
    redirect = None
    if ">" in words:
        at = words.index(">")
        words, redirect = words[:at], words[at + 1]
    return tuple(words[1:]), redirect


def blocks(page: Path) -> Iterator[list[Example]]:
    """The examples of each `console` block of a page, in order."""
    name = str(page.relative_to(ROOT))
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        examples: list[Example] = []
        i += 1
        while not lines[i].startswith("```"):
            if not lines[i].startswith("$ "):
                i += 1
                continue
            start, text = i + 1, lines[i][2:]
            while text.endswith("\\"):
                i += 1
                text = text[:-1] + " " + lines[i].strip()
            i += 1
            shown = []
            while not lines[i].startswith(("$ ", "```")):
                shown.append(lines[i].rstrip())
                i += 1
            parsed = _command(text)
            if parsed is not None:
                examples.append(Example(name, start, parsed[0], parsed[1], tuple(shown)))
        if examples:
            yield examples
        i += 1


def all_blocks() -> list[list[Example]]:
    """Every block with an example, over README.md and every docs page."""
    return [block for page in PAGES for block in blocks(page)]


def _drop(argv: list[str], *options: str) -> list[str]:
    """`argv` without the given options and their values."""
    out: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in options:
            skip = True
        else:
            out.append(word)
    return out


def small(example: Example) -> tuple[str, ...]:
    """The example's arguments with a small budget, run serially in this process."""
    argv = list(example.argv)
    if not example.simulates:
        return example.argv
    argv = [*_drop(argv, "--executor", "--workers"), "--executor", "serial"]
    if argv[0] == "reproduce" or "--resume" in argv:
        return tuple(argv)
    argv = [*_drop(argv, "-n", "--replications", "--samples"), "--set"]
    argv.append(f"experiment.replications={SMALL}")
    if "--design" in argv and argv[argv.index("--design") + 1] == "adaptive":
        argv += ["--n0", "5", "--batch", "5", "--max-replications", SMALL]
    else:
        argv += ["-n", SMALL]
    if argv[0] in ("sensitivity", "robustness"):
        argv += ["--samples", "2"]
    if argv[0] == "calibrate":
        argv += ["--samples", "32", "--waves", "1", "--ranking", "2"]
    return tuple(argv)


def invoke(argv: tuple[str, ...]) -> tuple[int, str]:
    """Run `visitsim ARGV` in this process: its exit status and its output (stdout and
    stderr as a terminal would interleave them, 80 columns wide)."""
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, list(argv))
    return result.exit_code, result.output


def prepare(folder: Path, block: list[Example], replications: str | None) -> None:
    """Make `folder`, the current directory, ready for a block: a copy of scenarios/ and
    every results directory the block names (complete runs of `replications` each, or
    the scenario's default when None; an interrupted one for `--resume`)."""
    if not (folder / "scenarios").exists():
        shutil.copytree(ROOT / "scenarios", folder / "scenarios")
    for example in block:
        for word in example.argv:
            match = RUN_DIR.fullmatch(word)
            if match is None or (folder / word).exists():
                continue
            scenario = f"scenarios/{match[1]}.yaml"
            if "--resume" in example.argv:
                made = _interrupted(folder, scenario)
            else:
                made = _complete(folder, scenario, replications)
            (folder / word).parent.mkdir(parents=True, exist_ok=True)
            made.rename(folder / word)


def _complete(folder: Path, scenario: str, replications: str | None) -> Path:
    budget = () if replications is None else ("-n", replications, "--executor", "serial")
    status, output = invoke(("run", scenario, *budget, "-q", "--out", "made"))
    assert status == 0, output
    return next((folder / "made").glob("*/*"))


def _interrupted(folder: Path, scenario: str) -> Path:
    """A run stopped (as by Ctrl-C) after its first block of 100 replications."""

    def stop(done: int, _total: int | None, _status: str) -> None:
        if done >= 100:
            raise KeyboardInterrupt

    try:
        run_scenario(
            load_scenario(folder / scenario), replications=200, out=folder / "made", progress=stop
        )
    except Interrupted as stopped:
        if stopped.directory is not None:
            return stopped.directory
    raise RuntimeError("the run was not interrupted")


def run(example: Example, argv: tuple[str, ...], folder: Path) -> tuple[int, str]:
    """Run one example's arguments in `folder` (the current directory), writing stdout to
    its redirect target if it has one."""
    status, output = invoke(argv)
    if example.redirect is not None:
        target = folder / example.redirect
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(output, encoding="utf-8")
    return status, output


def missing(example: Example, output: str) -> list[str]:
    """The shown lines the real output lacks (in order; `...` elides any lines; run ids
    are not compared)."""
    real = [RUN_ID.sub("<id>", line.rstrip()) for line in output.splitlines()]
    at, lacking = 0, []
    for line in example.shown:
        if line.strip() in ("", "...") or line.startswith("^C"):
            continue
        want = RUN_ID.sub("<id>", line)
        try:
            at = real.index(want, at) + 1
        except ValueError:
            lacking.append(line)
    return lacking
