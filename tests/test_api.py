"""The Python API as a notebook uses it: orderings written as on the command line or as
sequences, the command line's input errors, and one-line reprs of the results."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator import InputError, Run, load_scenario, run_scenario
from simulator.cli import main
from simulator.errors import SettingError
from simulator.executors import SerialExecutor
from simulator.tuning import (
    Base,
    compare_orderings,
    compare_variant_results,
    parse_param,
    parse_vary,
    run_robustness,
    run_sensitivity,
    run_sweep,
)

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "two_visitors.yaml"
COST = "effects.precedence_costs.0.cost"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("runs")
    return run_scenario(load_scenario(SCENARIO), replications=20, out=out)


def one_line(text: str, *parts: str) -> None:
    assert "\n" not in text
    assert len(text) < 240, text
    for part in parts:
        assert part in text, (part, text)


@pytest.mark.parametrize("a", ["a,b", "a→b", " a -> b ", ("a", "b"), ["a", "b"]])
def test_orderings_as_text_or_sequence(a: str | tuple[str, ...] | list[str]) -> None:
    done = compare_orderings(
        load_scenario(SCENARIO), a, "b,a", replications=10, executor=SerialExecutor()
    )
    assert done.orderings == (("a", "b"), ("b", "a"))
    assert [c.metric for c in done.comparisons] == ["utility"]


def test_an_unknown_visitor_is_the_command_lines_input_error(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    expected = "unknown visitor 'zz'; the visitors are a, b"
    cli = CliRunner().invoke(
        main, ["compare", str(SCENARIO), "--ordering", "a,zz", "--ordering", "b,a"]
    )
    assert cli.exit_code == 2
    assert cli.stderr == f"error: --ordering a,zz: {expected}\n"
    for a in ("a,zz", ("a", "zz"), "zz→a"):
        with pytest.raises(InputError, match=expected):
            compare_orderings(scenario, a, "b,a", replications=10)
    with pytest.raises(InputError, match="appears more than once"):
        compare_orderings(scenario, ["a", "a"], "b,a")
    # The API names its own setting; only the command line speaks of --metric.
    with pytest.raises(InputError, match=r"^metrics nope: unknown metric"):
        compare_orderings(scenario, "a,b", "b,a", ("nope",))
    base = Base.load(SCENARIO)
    with pytest.raises(InputError, match=expected):
        run_sensitivity(base, [parse_param(f"{COST}=0:2")], ordering=("zz", "a"))


def test_run_calendar_takes_text_and_sequences(run: Run) -> None:
    assert run.calendar("b→a").ordering == ("b", "a")
    assert run.calendar(["a", "b"]).ordering == run.calendar("a,b").ordering == ("a", "b")
    assert run.calendar().ordering == run.ranking.best
    with pytest.raises(InputError, match="unknown visitor 'q'"):
        run.calendar("a,q")


def test_an_unknown_metric_is_an_input_error(run: Run) -> None:
    with pytest.raises(InputError, match="unknown metric 'nope'; allowed: utility, "):
        run.result.metric("nope")


def test_results_have_one_line_reprs(run: Run) -> None:
    one_line(
        repr(run),
        "<Run two_visitors: fixed design, 2 orderings x 20 replications, seed 7; best a→b",
        str(run.directory),
    )
    one_line(repr(run.result), "<ExperimentResult two_visitors: 2 orderings x 20 replications")
    one_line(repr(run.ranking), "<Ranking of 2 orderings: best a→b (mean ")
    heard: list[tuple[int, int | None]] = []
    done = compare_orderings(
        run.result.scenario,
        "a,b",
        "b,a",
        ("utility", "final_climate"),
        replications=20,
        progress=lambda done, total, _status: heard.append((done, total)),
    )
    assert heard[-1] == (20, 20)  # what `visitsim compare` shows as its progress bar
    one_line(
        repr(done),
        "<OrderingComparison two_visitors: A a→b vs B b→a, 20 replications; "
        "utility: A − B 0.5 [0.5, 0.5], A wins 100%, B wins 0%; final_climate: identical>",
    )
    one_line(repr(done.comparisons[0]), "<PairedComparison utility: A − B 0.5", "(20 pairs)>")
    variants = compare_variant_results(run.result, run.result, ("utility",))
    one_line(repr(variants), "<VariantComparison of 2 shared orderings: best a→b in A, a→b in B")
    base = Base.load(SCENARIO)
    one_line(repr(base), "<Base two_visitors from ")
    sweep = run_sweep(base, [parse_vary(f"{COST}=0:2:3")], replications=10)
    one_line(repr(sweep), f"<Sweep two_visitors: {COST}=0:2:3", "1 tipping point(s)>")
    params = [parse_param(f"{COST}=0:2")]
    sensitivity = run_sensitivity(base, params, samples=2, replications=10)
    one_line(repr(sensitivity), "<Sensitivity two_visitors: morris over 1 assumption(s)")
    robustness = run_robustness(base, params, samples=2, replications=10)
    one_line(repr(robustness), "<Robustness two_visitors: 2 settings of 1 assumption(s)")


def test_the_docs_notebook_example_writes_no_file_at_the_repository_root() -> None:
    root = Path(__file__).resolve().parent.parent
    page = (root / "docs" / "python-api.md").read_text(encoding="utf-8")
    notebook = page.split("## In a notebook", 1)[1].split("\n## ", 1)[0]
    saves = [line for line in notebook.splitlines() if "savefig(" in line]
    assert saves
    assert all("run.directory" in line for line in saves), saves


def test_braces_the_user_wrote_survive_in_messages() -> None:
    """Engine messages are templates whose `{setting}` the command line renders as its
    option; text the user gave is shown as written, braces and all."""
    with pytest.raises(SettingError) as caught:
        parse_vary("p=1:2:{n}")
    assert str(caught.value) == "varies p=1:2:{n}: N '{n}' is not a whole number"
    assert caught.value.render({"varies": "--vary"}).startswith("--vary p=1:2:{n}: ")
    cli = CliRunner().invoke(main, ["sweep", str(SCENARIO), "--vary", "a{x}}=0:1"])
    assert cli.exit_code == 2
    assert cli.stderr == "error: --vary a{x}}=0:1: expected START:STOP:N after '=', e.g. 0:2:9\n"
