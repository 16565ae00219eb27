"""The oracle: what must hold for any input text, and the class of its outcome.

For a text: `parse` gives our AST or our own ParseError/LimitError (code E1xx, a span
inside the text, a rendering with a caret); a text the generator wrote as valid parses;
printing and parsing again gives the same tree, and the printed text is a fixed point.
Then, on ad hoc declarations (formula_engine.model.ad_hoc_declarations, units drawn per
scenario, sometimes an indicator among the references): the declarations, the model and
the unit check give a model or our own error (E2xx/E3xx with a span); every policy
combination, year and row is evaluated on the exact path (CompiledFormula.evaluate) and
the fast path (evaluate_many), and the two agree (tests/fuzz/agree.py). Every call runs
under a deadline (tests/fuzz/watchdog.py): past it, the call is a "hang".
"""

from __future__ import annotations

import random
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from formula_engine import (
    CompiledFormula,
    FormulaError,
    LimitError,
    Model,
    ParseError,
    Policy,
    nodes,
    parse,
    to_text,
)
from formula_engine.model import ad_hoc_declarations

from .agree import ErrorBounds, judge
from .scenario import KEYS, PLAN, Scenario, draw_scenario, draw_units, with_indicator
from .watchdog import Calls, Hang

POLICIES = [
    Policy(missing=missing, zero_denominator=zero)
    for missing in ("not_computable", "zero")
    for zero in ("not_computable", "zero")
]
CODE = re.compile(r"E[0-9]{3}")
# Stages that may raise our own errors for bad input; anywhere else a FormulaError is a
# finding (evaluation reports "not computable" in its Result instead).
OUR_ERRORS_EXPECTED = {"parse", "reparse", "declarations", "model", "check"}
# Errors of evaluation that both paths must raise alike (the formula cannot be computed
# for that year at all, whatever the values): E404, akumulasi far outside the plan.
YEAR_ERRORS = {"E404"}


@dataclass(frozen=True)
class Finding:
    """Something that must not happen. `kind:stage:detail` is its signature (stable,
    short); `context` says how to reproduce it."""

    kind: str  # crash, hang, memory, bad_error, rejected_valid, roundtrip, disagreement
    stage: str
    detail: str
    context: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def signature(self) -> str:
        return f"{self.kind}:{self.stage}:{self.detail}"


@dataclass
class Outcome:
    text: str
    outcome: str = "parsed"  # parse_error:E1xx, declarations_error:.., unit_error:.., evaluated
    evaluations: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    longest: tuple[float, str] = (0.0, "")


class Stop(Exception):
    """The input cannot go further (an error or a finding ended it)."""


class _Run:
    def __init__(self, text: str, expect_valid: bool, limit: float) -> None:
        self.text, self.expect_valid = text, expect_valid
        self.calls = Calls(limit)
        self.result = Outcome(text)

    def call(self, stage: str, function, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return self.calls(stage, function, *args, **kwargs)
        except Hang:
            self.stop(Finding("hang", stage, f"over {self.calls.limit:g} s"))
        except MemoryError:
            self.stop(Finding("memory", stage, "MemoryError"))
        except RecursionError:
            self.stop(Finding("crash", stage, "RecursionError"))
        except FormulaError as error:
            if stage in OUR_ERRORS_EXPECTED or _year_error(stage, error):
                raise
            self.stop(Finding("bad_error", stage, f"{type(error).__name__} {error.code}"))
        except Exception as error:
            tail = traceback.format_exc(limit=-4)
            self.stop(Finding("crash", stage, type(error).__name__, {"traceback": tail}))

    def stop(self, finding: Finding | None = None) -> None:
        if finding is not None:
            self.result.findings.append(finding)
            self.result.outcome = finding.kind
        raise Stop

    def our_error(self, stage: str, error: FormulaError, codes: str, text: str) -> None:
        """Our own error, well formed: a code of the stage, a span inside the text, a
        rendering. Ends the input with `stage`_error:CODE as its outcome."""
        self.result.outcome = f"{stage}_error:{error.code}"
        problem = ""
        if not CODE.fullmatch(error.code) or error.code[1] not in codes:
            problem = f"code {error.code} from stage {stage}"
        elif error.span is None and stage != "declarations":
            problem = "no span"
        elif error.span is not None and not 0 <= error.span.start <= error.span.end <= len(text):
            problem = "span outside the text"
        if not problem:
            rendered = self.call("render", error.with_source(text).render)
            problem = "" if error.code in rendered else "rendering without the code"
        self.stop(Finding("bad_error", stage, problem, {"code": error.code}) if problem else None)


def check(
    text: str,
    *,
    expect_valid: bool = False,
    salt: str = "0",
    scenario: Scenario | None = None,
    limit: float = 1.0,
) -> Outcome:
    """Run the oracle on one text; never raises (except KeyboardInterrupt)."""
    run = _Run(text, expect_valid, limit)
    try:
        tree = _parse(run)
        _round_trip(run, tree)
        _evaluate(run, tree, scenario, f"{salt}:{text}")
    except Stop:
        pass
    run.result.longest = run.calls.longest
    return run.result


def _parse(run: _Run) -> nodes.Expr:
    try:
        return run.call("parse", parse, run.text)  # type: ignore[no-any-return]
    except (ParseError, LimitError) as error:
        if run.expect_valid:
            run.result.findings.append(Finding("rejected_valid", "parse", error.code))
        run.our_error("parse", error, "1", run.text)
    except FormulaError as error:
        run.stop(Finding("bad_error", "parse", type(error).__name__))
    raise AssertionError("unreachable")


def _round_trip(run: _Run, tree: nodes.Expr) -> None:
    printed = run.call("print", to_text, tree)
    try:
        again = run.call("reparse", parse, printed)
    except ParseError as error:
        run.stop(Finding("roundtrip", "reparse", error.code, {"printed": printed}))
    if again != tree:
        run.stop(Finding("roundtrip", "reparse", "another tree", {"printed": printed}))
    if run.call("print", to_text, again) != printed:
        run.stop(Finding("roundtrip", "print", "not a fixed point", {"printed": printed}))


def _evaluate(run: _Run, tree: nodes.Expr, given: Scenario | None, seed: str) -> None:
    units = given.units if given else draw_units(random.Random(seed + ":units"), tree)
    try:
        declarations = run.call("declarations", ad_hoc_declarations, run.text, units, PLAN)
        ids = [i.id for i in declarations.inputs]
        scenario = given.for_inputs(ids) if given else draw_scenario(seed, tree, declarations)
        scenario.units = units
        model = run.call("model", Model, with_indicator(declarations, scenario))
    except FormulaError as error:
        run.our_error("declarations", error, "123", run.text)
    try:
        compiled = run.call("check", model.compile, run.text)
    except FormulaError as error:
        run.our_error("unit", error, "23", run.text)
    run.result.outcome = "evaluated"
    indicators = {i.id for i in model.declarations.indicators}
    scenario = scenario.for_inputs([i.id for i in model.declarations.inputs])
    for year in scenario.years:
        for policy in POLICIES:
            formula = CompiledFormula(model, compiled.tree, compiled.unit, policy)
            _compare_paths(run, formula, scenario, year, indicators)


def _compare_paths(
    run: _Run, formula: CompiledFormula, scenario: Scenario, year: int, indicators: set[str]
) -> None:
    rows = scenario.rows
    columns = {
        (i, key): np.array([float(row[i][key]) if key in row[i] else np.nan for row in rows])
        for i in rows[0]
        for key in KEYS
    }
    try:
        with np.errstate(all="ignore"):  # overflow to inf is float64's own behaviour
            fast = run.call("fast", formula.evaluate_many, columns, year, len(rows))
    except FormulaError as refused:
        _both_refuse(run, formula, scenario, year, refused)
    if not (isinstance(fast, np.ndarray) and fast.shape == (len(rows),)):
        run.stop(Finding("crash", "fast", "not one float per row"))
    for number, row in enumerate(rows):
        steps: list[object] = []
        result = run.call("evaluate", formula.evaluate, row, year, None, steps)
        if result.status == "not_computable" and result.code not in ("E401", "E402"):
            run.stop(Finding("bad_error", "evaluate", f"code {result.code}"))
        run.result.evaluations[_class(result.status, result.code)] += 1
        exact = result.value if result.status == "ok" else None
        bounds = ErrorBounds(PLAN, formula.tree, steps, indicators)
        verdict = judge(formula.tree, year, exact, float(fast[number]), bounds)
        if verdict.unstable:
            run.result.evaluations["float_unstable"] += 1
        if not verdict.agree:
            context = {
                "policy": formula.policy.model_dump(),
                "year": year,
                "row": number,
                "exact": "not computable" if exact is None else str(exact),
                "exact_code": result.code,
                "fast": repr(float(fast[number])),
                "scenario": replace(scenario, rows=[row]).to_data(),
            }
            kind = "nc_vs_number" if exact is None else "number_vs_" + _shape(fast[number])
            run.stop(Finding("disagreement", "exact_vs_fast", kind, context))


def _year_error(stage: str, error: FormulaError) -> bool:
    return stage in ("fast", "evaluate") and error.code in YEAR_ERRORS


def _both_refuse(
    run: _Run, formula: CompiledFormula, scenario: Scenario, year: int, refused: FormulaError
) -> None:
    """The fast path refused the year: the exact path must refuse it with the same code."""
    for row in scenario.rows:
        try:
            result = run.call("evaluate", formula.evaluate, row, year)
        except FormulaError as error:
            if error.code == refused.code:
                continue
            result = None
        context = {"year": year, "fast_code": refused.code, "exact": repr(result)}
        run.stop(Finding("disagreement", "exact_vs_fast", "refused_vs_other", context))
    run.our_error("evaluate", refused, "4", run.text)


def _class(status: str, code: str | None) -> str:
    return "ok" if status == "ok" else f"not_computable:{code}"


def _shape(value: float) -> str:
    return "nan" if np.isnan(value) else "number"
