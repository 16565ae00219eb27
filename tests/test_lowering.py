"""The function table, the lowering's bounds, work that must stay linear (counted, never
timed), and what the exact back-end accepts as values."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import duckdb
import numpy as np
import pytest
from sqlglot import exp

from formula_engine import functions, ir, nodes, parse
from formula_engine.backends.exact import ExactProgram, InputError
from formula_engine.backends.numpy import NumpyProgram
from formula_engine.backends.sql import SqlProgram
from formula_engine.backends.sympy import evaluate as sympy_evaluate
from formula_engine.backends.sympy import to_sympy
from formula_engine.declarations import Declarations, Indicator, Input, Plan, Policy
from formula_engine.errors import CheckError, ParseError, Span
from formula_engine.lower import Lowering, LoweringError
from formula_engine.model import Model
from formula_engine.outcomes import NotComputable
from formula_engine.units import parse_unit

PLAN = Plan(first_year=2022, last_year=2026)


def test_every_function_has_every_backend() -> None:
    for entry in functions.TABLE:
        if entry.special:
            continue
        for backend in functions.BACKENDS:
            assert callable(functions.implementation(entry.name, backend))


@pytest.mark.parametrize(
    "entry", [e for e in functions.TABLE if not e.special], ids=lambda e: str(e.name)
)
def test_every_numpy_function_keeps_nan(entry: functions.Function) -> None:
    """A missing argument leaves the numpy value NaN in its row, as the exact path's is
    not computable there: the numpy back-end works out the reasons only for the rows
    whose value is not finite (NumpyProgram.run_with_reasons)."""
    import numpy as np

    count = max(entry.min_args, 3) if entry.max_args is None else entry.min_args
    implementation = functions.implementation(entry.name, "numpy")
    for missing in range(count):
        args = [np.array([1.5, -2.0, np.nan]) for _ in range(count)]
        args[missing] = np.array([np.nan, np.nan, 4.0])
        where = np.logical_or.reduce([np.isnan(arg) for arg in args])
        np.testing.assert_array_equal(np.isnan(implementation(args)), where)


def test_a_missing_implementation_fails_loudly() -> None:
    partial = functions.Function("twice", (), 1, 1, "twice(a)", "same", exact=lambda a: 2 * a)
    with pytest.raises(functions.MissingImplementation, match="no numpy implementation"):
        functions.implementation("twice", "numpy", [partial])
    with pytest.raises(functions.MissingImplementation):
        functions.check_table([*functions.TABLE, partial])
    with pytest.raises(functions.MissingImplementation, match="not a function"):
        functions.implementation("if", "exact")


def _toy() -> functions.Function:
    """twice(a) = 2 a: a new function, written once, with every back-end."""
    return functions.Function(
        "twice", ("dua_kali",), 1, 1, "twice(a): a doubled", "same",
        exact=lambda value: 2 * value,
        numpy=lambda args: np.multiply(args[0], 2.0),
        sympy=lambda value: 2 * value,
        sql=lambda args: exp.Mul(this=exp.Paren(this=args[0]), expression=exp.Literal.number(2)),
    )  # fmt: skip


def test_a_function_added_in_one_place_works_in_every_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ParseError) as unknown:
        parse("twice(a)")
    assert unknown.value.code == "E114"
    monkeypatch.setattr(functions, "TABLE", (*functions.TABLE, _toy()))  # the one place
    functions.check_table()
    declarations = Declarations(
        plan=PLAN,
        inputs=[Input(id="a", label="Nilai A", unit="orang")],
        indicators=[Indicator(id="double", label="Dua kali", unit="orang", formula="dua_kali(a)")],
    )
    model = Model(declarations)  # parses (the alias too) and unit-checks: orang
    assert model.indicator("double").unit == parse_unit("orang")
    with pytest.raises(CheckError) as mixed:
        model.compile("twice(a) + 100%")
    assert mixed.value.code == "E310"  # the unit rule "same" applies to its argument
    with pytest.raises(ParseError) as arity:
        parse("twice(a, a)")
    assert arity.value.code == "E115" and "twice(a): a doubled" in str(arity.value.hint)
    formula = model.compile("twice(a) + double")
    assert formula.evaluate({"a": {2024: 7}}, 2024).value == 28
    columns = {("a", 2024): np.array([7.0, np.nan])}
    np.testing.assert_array_equal(formula.evaluate_many(columns, 2024, 2), [28.0, np.nan])
    symbolic = to_sympy(model.lower(formula, 2024))
    assert sympy_evaluate(symbolic, {("a", 2024): Fraction(7)}) == 28
    query = formula.to_sql(2024).sql(dialect="duckdb")
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t (a__2024 DECIMAL(18, 2))")
    connection.execute("INSERT INTO t VALUES (7), (NULL)")
    assert connection.execute(query).fetchall() == [(28, None), (None, "E401")]


def _chain(count: int, op: nodes.BinaryOp = "+") -> nodes.Expr:
    """x0 op x1 op ... op x{count-1}, left-associative, as the parser builds it."""
    tree: nodes.Expr = nodes.Reference("x0")
    for index in range(1, count):
        tree = nodes.Binary(op, tree, nodes.Reference(f"x{index}"))
    return tree


@pytest.mark.parametrize("count", [10, 100, 1000])
@pytest.mark.parametrize("op", ["+", "-", "*"])
def test_long_chains_lower_and_compile_in_linear_work(count: int, op: nodes.BinaryOp) -> None:
    lowering = Lowering(PLAN)
    root = lowering.lower(_chain(count, op), 2024)
    assert lowering.visited == count + 1  # each term once, and the chain
    order = ir.postorder(root)
    assert len(order) == count + 1  # one n-ary node over the slots
    assert ExactProgram(root).calls == count + 1
    assert NumpyProgram(root).nodes_run == count + 1
    query = SqlProgram(root).query()
    assert len(list(query.walk())) < 30 * count + 30  # a constant per term
    assert query.sql(dialect="duckdb")  # and it prints (the printer recurses)
    values = {(f"x{i}", 2024): 1 for i in range(count)}
    expected = {"+": count, "-": 2 - count, "*": 1}[op]
    assert ExactProgram(root)(values) == expected
    columns = {key: np.array([1.0]) for key in values}
    assert NumpyProgram(root)(columns, 1)[0] == expected


class CountingValues(dict[tuple[str, int | str], object]):
    reads = 0  # reads of inputs (a value given for an indicator is looked up too)

    def get(self, key: object, default: object = None) -> object:
        if isinstance(key, tuple) and not str(key[0]).startswith("level"):
            CountingValues.reads += 1
        return super().get(key, default)  # type: ignore[call-overload]


@pytest.mark.parametrize("depth", [5, 20, 60])
def test_a_chain_of_indicators_each_read_twice_stays_linear(depth: int) -> None:
    # level_i = level_{i-1} + level_{i-1}: 2**depth terms if expanded as a tree.
    indicators = {"level0": (parse("a"), Policy())}
    for index in range(1, depth + 1):
        below = nodes.Reference(f"level{index - 1}")
        indicators[f"level{index}"] = (nodes.Binary("+", below, below), Policy())
    lowering = Lowering(PLAN, indicators)
    root = lowering.lower(nodes.Reference(f"level{depth}"), 2024)
    assert len(ir.postorder(root)) <= 4 * depth + 3
    CountingValues.reads = 0
    assert ExactProgram(root)(CountingValues({("a", 2024): 3})) == 3 * 2**depth
    assert CountingValues.reads == 1
    CountingValues.reads = 0
    given = CountingValues({("a", 2024): 3, (f"level{depth - 1}", 2024): 5})
    assert ExactProgram(root)(given) == 10  # the given value, not the computed one
    assert CountingValues.reads == 0
    columns = {("a", 2024): np.array([3.0])}
    assert NumpyProgram(root)(columns, 1)[0] == 3.0 * 2**depth
    assert len(list(SqlProgram(root).query().walk())) < 60 * depth + 60
    to_sympy(root)  # builds without expanding the tree


def _nested_akumulasi(depth: int) -> nodes.Expr:
    """akumulasi(akumulasi(...(a))), built without the parser (which rejects it: E123)."""
    tree: nodes.Expr = nodes.Reference("a", span=Span(0, 1))
    for level in range(depth):
        tree = nodes.Cumulative(tree, nodes.Relative(0), span=Span(0, 13 + level))
    return tree


def test_the_parser_rejects_a_nested_akumulasi() -> None:
    with pytest.raises(ParseError) as raised:
        parse("akumulasi(akumulasi(a))")
    assert raised.value.code == "E123"


def test_a_nested_akumulasi_is_bounded() -> None:
    # 301 years, three levels: ~301**3 / 6 terms without the bound; it stops at 10,000.
    tree = _nested_akumulasi(3)
    lowering = Lowering(Plan(first_year=1900, last_year=2200), max_nodes=10_000)
    with pytest.raises(LoweringError) as raised:
        lowering.lower(tree, 2200)
    assert raised.value.code == "E405" and raised.value.span == tree.span
    assert lowering.visited <= 10_001 + 301  # it stopped, it did not run away


def test_a_nested_akumulasi_within_the_bound_is_lowered() -> None:
    # Two levels over 2022..2024: sum over k of sum over j <= k of a[j] = 3 a22 + 2 a23 + a24.
    root = Lowering(PLAN).lower(_nested_akumulasi(2), 2024)
    values = {("a", 2022): 1, ("a", 2023): 10, ("a", 2024): 100}
    assert ExactProgram(root)(values) == 3 * 1 + 2 * 10 + 100


def test_lowering_is_cached_per_tree_year_and_policy() -> None:
    lowering, tree = Lowering(PLAN), parse("a / b")
    assert lowering.lower(tree, 2024) is lowering.lower(tree, 2024)
    assert lowering.lower(tree, 2024) is not lowering.lower(tree, 2025)
    zero = Policy(zero_denominator="zero")
    assert lowering.lower(tree, 2024) is not lowering.lower(tree, 2024, zero)


def _share() -> ExactProgram:
    return ExactProgram(Lowering(PLAN).lower(parse("a / b x 100%"), 2024))


@pytest.mark.parametrize(
    "given",
    [1, Fraction(1), Decimal("1"), 1.0, np.int64(1), np.float64(1.0), "1"],
    ids=repr,
)
def test_exact_accepts_numbers_of_every_kind(given: object) -> None:
    assert _share()({("a", 2024): given, ("b", 2024): 4}) == 25


@pytest.mark.parametrize("given", [None, float("nan"), np.float64("nan"), Decimal("NaN")], ids=repr)
def test_exact_treats_none_and_nan_as_missing(given: object) -> None:
    with pytest.raises(NotComputable) as raised:
        _share()({("a", 2024): given, ("b", 2024): 4})
    assert (raised.value.code, raised.value.reason) == ("E401", "a 2024 missing")


@pytest.mark.parametrize(
    ("given", "code"),
    [(float("inf"), "E403"), (np.float64("-inf"), "E403"), (Decimal("Infinity"), "E403"),
     (True, "E403"), ("many", "E403"), (object(), "E403")],
    ids=repr,
)  # fmt: skip
def test_exact_rejects_infinities_and_non_numbers(given: object, code: str) -> None:
    with pytest.raises(InputError) as raised:
        _share()({("a", 2024): given, ("b", 2024): 4})
    assert raised.value.code == code
    assert raised.value.span == Span(0, 1)  # at the reference, for the caret


def test_evaluate_many_compiles_once_per_formula_and_year(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = [0]
    original = NumpyProgram.__init__

    def counted(self: NumpyProgram, root: ir.Node) -> None:
        built[0] += 1
        original(self, root)

    monkeypatch.setattr(NumpyProgram, "__init__", counted)
    declarations = Declarations(
        plan=PLAN,
        inputs=[Input(id="a", label="A", unit="orang"), Input(id="b", label="B", unit="orang")],
        indicators=[Indicator(id="share", label="Share", unit="%", formula="a / b x 100%")],
    )
    formula = Model(declarations).compile("share + share[n-1]")
    columns = {(name, year): np.array([1.0, 2.0]) for name in "ab" for year in (2023, 2024)}
    for _ in range(100):
        formula.evaluate_many(columns, 2024, 2)
    assert built[0] == 1 and formula.compilations == 1
    for _ in range(100):
        formula.evaluate_many(columns, 2023, 2)
        formula.evaluate({"a": {2024: 1, 2023: 1}, "b": {2024: 2, 2023: 2}}, 2024)
    assert built[0] == 2 and formula.compilations == 3  # one per year and back-end
