"""The facade: compile formulas once against declarations, evaluate them many times.

    model = Model(declarations)                  # parse, resolve, check every indicator
    formula = model.indicator("persentase_pmks") # or model.compile("a / b x 100%")
    result = formula.evaluate({"jumlah_pmks": {2022: 1009}, ...}, year=2022)
    result.value, result.display, result.status, result.reason

Stages composed here: parse -> resolve -> infer and require the unit (pipeline.
check_formula) -> lower (lower.Lowering, one per Model, with every indicator) -> a
back-end: exact (backends.exact) for `evaluate` and explain, numpy (backends.numpy) for
`evaluate_many` and `Model.evaluate_table`, scalar (backends.scalar) for `scalar`, sympy
(backends.sympy) for `to_sympy`, SQL (backends.sql) for `to_sql`. Programs are compiled
once per (formula, year) and cached on the CompiledFormula. numpy is imported only for
batches, sympy and sqlglot only by `to_sympy` and `to_sql` (so the exact path and the
audit load neither).
"""

from __future__ import annotations

import functools
import hashlib
import numbers
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, PlainSerializer, ValidationError

from . import ir, nodes
from .backends.exact import ExactProgram
from .backends.scalar import ScalarProgram
from .declarations import Declarations, Input, Plan, Policy
from .errors import CheckError, EvaluationError, ResolveError, Span
from .lower import Lowering
from .numbers import DEFAULT_DECIMALS, format_decimal, indonesian_of_plain
from .outcomes import (
    BASELINE,
    NotANumber,
    NotComputable,
    Step,
    YearKey,
    exact_number,
    symbol_name,
)
from .parser import parse
from .pipeline import Checked, check_formula
from .printer import to_text
from .resolve import Symbol, SymbolTable, dependency_order
from .units import INDEX, PERCENT, RUPIAH, UNKNOWN_UNIT, Kind, Unit, parse_unit

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import sympy
    from sqlglot import exp

    from .backends.numpy import Array, Columns, NumpyProgram
    from .backends.sympy import SympyCompiler

Number = int | Fraction | Decimal | str | float | None  # also numpy's integers and floats
ValuesByName = Mapping[str, Mapping[int | str, object]]  # the values of Number
P = TypeVar("P")
ExactFraction = Annotated[Fraction, PlainSerializer(str, return_type=str)]


class Result(BaseModel):
    """The outcome of evaluating a formula for one year: exact value or stated reason."""

    model_config = ConfigDict(frozen=True)

    formula: str
    indicator: str | None = None
    year: int
    status: Literal["ok", "not_computable"]
    value: ExactFraction | bool | None = None  # exact
    rounded: str | None = None  # half-up to `decimals`, plain notation: "16.24"
    display: str | None = None  # the same in Indonesian notation: "16,24"
    decimals: int = DEFAULT_DECIMALS
    unit: str
    reason: str | None = None
    code: str | None = None


def default_decimals(unit: Kind) -> int:
    """Rupiah and plain counts (orang, dokumen, ...) show whole numbers; percentages,
    indices, ratios and compound units show DEFAULT_DECIMALS."""
    if unit == RUPIAH:
        return 0
    is_count = isinstance(unit, Unit) and len(unit.factors) == 1 and unit.factors[0][1] == 1
    return 0 if is_count and unit not in (PERCENT, INDEX) else DEFAULT_DECIMALS


def to_fraction(value: object, where: str = "a value") -> Fraction | None:
    """An exact value from what a caller passes, or None for a missing one (None, NaN):
    outcomes.exact_number (the exact back-end reads values the same way); a bad value is
    EvaluationError E403, naming `where`."""
    try:
        exact = exact_number(value)
    except NotANumber as bad:
        raise EvaluationError(f"{where} {bad}", code="E403", hint=bad.hint) from None
    return None if exact is None else Fraction(exact)


def year_key_of(given: object, where: str) -> YearKey:
    """A year key as a caller writes it: 2022, "2022", np.int64(2022) or "awal"."""
    if isinstance(given, str) and given.strip() == BASELINE:
        return BASELINE
    text = given.strip() if isinstance(given, str) else given
    if isinstance(text, numbers.Integral) and not isinstance(text, bool):  # np.bool_ is not
        return int(text)
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 6:
        return int(text)
    raise EvaluationError(
        f"{where}: {given!r} is not a year", code="E403", hint='a year is 2022 or "awal"'
    )


def _declared(table: SymbolTable, name: object, kind: str) -> Symbol:
    """The declared input or indicator a caller names by id or by label."""
    text = str(name)
    symbol = table.lookup(nodes.Reference(text, quoted=text not in table.by_id))
    if symbol is not None:
        return symbol
    close = table.suggestions(text)
    hint = (
        "did you mean " + " or ".join(f"{c!r}" for c in close) + "?"
        if close
        else "use an input's id or label"
    )
    raise ResolveError(f"{kind} given for an unknown input {text!r}", None, code="E203", hint=hint)


class Values:
    """Input values per declared id and year (or the baseline "awal"), exact.

    Inputs may be named by id or label. None and NaN are missing values (E401 when read)."""

    def __init__(self, table: SymbolTable, values: ValuesByName) -> None:
        self._data: dict[tuple[str, YearKey], Fraction] = {}
        by_id = table.by_id
        for name, by_year in values.items():
            symbol = by_id.get(name) if type(name) is str else None  # an id: no lookup
            if symbol is None:
                symbol = _declared(table, name, "value")
            for year, value in by_year.items():
                # the commonest forms first (a JSON body's "2024": 1009), then the rules
                if type(year) is str and year.isdigit() and year.isascii() and len(year) <= 6:
                    key: YearKey = int(year)
                elif type(year) is int:
                    key = year
                else:
                    key = year_key_of(year, f"the value of {symbol.id!r}")
                if type(value) is int:
                    self._data[(symbol.id, key)] = Fraction(value)
                    continue
                exact = to_fraction(value, f"the value of {symbol.id!r} for {key}")
                if exact is not None:
                    self._data[(symbol.id, key)] = exact

    @classmethod
    def of_exact(cls, data: Mapping[tuple[str, YearKey], Fraction]) -> Values:
        """Values that are already exact and keyed by declared id and year key (the
        engine's own data, such as the audit's trial sets): nothing to read or check."""
        values = cls.__new__(cls)
        values._data = dict(data)
        return values

    @property
    def exact(self) -> Mapping[tuple[str, YearKey], Fraction]:
        """The values keyed by (id, year key), as the exact back-end reads them."""
        return self._data

    def get(self, identifier: str, key: YearKey) -> Fraction | None:
        return self._data.get((identifier, key))

    def columns(self) -> dict[tuple[str, YearKey], Fraction]:
        return dict(self._data)


def fast_columns(
    table: SymbolTable,
    columns: Mapping[tuple[str, Any], Any],
    rows: int,
    names: dict[tuple[Any, Any], tuple[str, YearKey]] | None = None,
) -> Columns:
    """The columns of the fast path keyed by declared id (a label is accepted) and year,
    as float64 arrays of `rows` values; an unknown name is E203 with "did you mean".
    `names` keeps what a (name, year) resolved to, for the next call. Infinities are
    not looked for here: the numpy program finds those of the columns it reads (mostly
    from its result, without reading the column again), `unread_finite` the others."""
    import numpy as np

    keyed: dict[tuple[str, YearKey], Array] = {}
    names = {} if names is None else names
    for given, column in columns.items():
        resolved = names.get(given)
        if resolved is None:
            name, year = given
            identifier = _declared(table, name, "column").id
            resolved = (identifier, year_key_of(year, f"the column of {identifier!r}"))
            names[given] = resolved
        identifier, key = resolved
        array = np.asarray(column, dtype=np.float64)
        if array.shape != (rows,):
            raise _wrong_shape(f"the column of {identifier!r} for {key}", array.shape, rows)
        keyed[resolved] = array
    return keyed


def _wrong_shape(column: str, shape: tuple[int, ...], rows: int) -> EvaluationError:
    return EvaluationError(
        f"{column} has shape {shape}, not ({rows},)",
        code="E403",
        hint="give one value per row (NaN for a missing one)",
    )


def unread_finite(columns: Columns, read: Collection[tuple[str, YearKey]]) -> None:
    """E403 for an infinite value in a given column that no program reads (the programs
    check the columns they read)."""
    unread = [key for key in columns if key not in read]
    if unread:
        from .backends.numpy import check_finite

        check_finite(columns, unread)


@dataclass(frozen=True)
class TableResult:
    """What `Model.evaluate_table` computed: per (indicator id, year) a float64 column
    (NaN where not computable) and, when asked, its reasons per row (int8:
    backends.numpy.OK 0, ZERO 1 for a zero denominator, MISSING 2 for a missing value;
    `REASON_CODES` maps them to E402 and E401)."""

    rows: int
    values: dict[tuple[str, int], Array]
    reasons: dict[tuple[str, int], npt.NDArray[np.int8]]

    def columns(self) -> dict[str, Array]:
        """The values as columns named `<id>__<year>` (for a DataFrame or a Table)."""
        return {symbol_name(i, year): column for (i, year), column in self.values.items()}


_MAX_COLUMNS = 100_000


def table_reader(table: object) -> tuple[list[Any], Callable[[Any], Any]]:
    """The column names of a dict, a pyarrow Table or a polars DataFrame, and how to
    read one column by its name."""
    module = type(table).__module__.partition(".")[0]
    column: Callable[[Any], Any]
    if module == "pyarrow":
        names = list(table.column_names)  # type: ignore[attr-defined]

        column = lambda name: table.column(name).to_numpy()  # type: ignore[attr-defined]  # noqa: E731

    elif module == "polars":
        names = list(table.columns)  # type: ignore[attr-defined]

        column = lambda name: table.get_column(name).to_numpy()  # type: ignore[attr-defined]  # noqa: E731

    elif isinstance(table, Mapping):
        names = list(table)
        column = table.__getitem__
    else:
        raise EvaluationError(
            f"cannot read columns from a {type(table).__name__}",
            code="E403",
            hint="give a dict of numpy arrays, a pyarrow Table or a polars DataFrame",
        )
    if len(names) > _MAX_COLUMNS:
        raise EvaluationError(
            f"the table has {len(names):,} columns, more than {_MAX_COLUMNS:,}",
            code="E403",
            hint="evaluate fewer columns at a time",
        )
    return names, column


@dataclass(frozen=True, slots=True)
class _TableRun:
    """What `Model.evaluate_table` prepared for tables of one set of column names, years
    and indicators, kept for the next such table: each column's name with the (id, year
    key) it resolved to, the given columns that no program reads (checked for
    infinities apart), the programs in the order they run, and how many of them may
    copy their result (an indicator that is an input, say): those copies are rows of
    one block, allocated at once (separate small arrays cost page faults: the bundled
    catalog at 10^4 rows took 7.6-25 ms by the allocator's state, 235 of its 370
    results being copies)."""

    columns: tuple[tuple[Any, tuple[str, YearKey]], ...]
    unread: tuple[tuple[str, YearKey], ...]
    programs: tuple[tuple[tuple[str, int], NumpyProgram], ...]
    copies: int  # the programs whose result may be a copy (of a column, say)
    stacks: tuple[_Stack, ...]  # for a short table: programs of one shape run as one
    others: tuple[tuple[tuple[str, int], NumpyProgram], ...]  # and the programs left
    others_copies: int


@dataclass(frozen=True, slots=True)
class _Stack:
    """Programs of one shape (NumpyProgram.layout) that read no indicator: the years of
    an indicator, indicators of one kind (a share a / b x 100%, an input as it is). For
    a short table they run as one program, the first one, over their columns end to
    end, and each one's values are a view of its part of the result. `columns`: the
    first program's columns; per member, the column it reads at each of them."""

    program: NumpyProgram
    columns: tuple[tuple[str, YearKey], ...]
    members: tuple[tuple[tuple[str, int], NumpyProgram, tuple[tuple[str, YearKey], ...]], ...]


_TABLE_RUNS = 256  # prepared runs kept per model (then forgotten, and prepared again)
# A table of at most STACK_ROWS rows runs programs of one shape as one (see _Stack),
# over at most STACK_VALUES values (rows x programs) at a time: there the calls of one
# program each cost more than putting their columns end to end. Up to MANY_ROWS rows,
# so do MANY programs of one shape or more; fewer cost more in copies than in calls
# there, and on longer tables the joined columns leave the cache. Measured in
# docs/performance.md (issue 9).
STACK_ROWS, STACK_VALUES, MANY_ROWS, MANY = 1 << 11, 1 << 16, 1 << 14, 16


@functools.lru_cache(maxsize=4096)
def _split_column_name(name: object) -> tuple[str, str]:
    text = str(name)
    stem, separator, year = text.rpartition("__")
    if not separator or not stem or not (year == BASELINE or (year.isascii() and year.isdigit())):
        raise ResolveError(
            f"the column {text!r} does not name an input or indicator and a year",
            None,
            code="E203",
            hint="name it <id or label>__<year> (jumlah_pmks__2024, jumlah_pmks__awal), "
            "or pass it in `ignore`",
        )
    return stem, year


class CompiledFormula:
    """A parsed, resolved and unit-checked formula, ready to evaluate many times.

    Each back-end's program is compiled once per year and kept: `evaluate` runs the
    exact one, `evaluate_many` the numpy one (`compilations` counts programs built)."""

    def __init__(
        self,
        model: Model,
        tree: nodes.Expr,
        unit: Kind,
        policy: Policy,
        indicator: str | None = None,
    ) -> None:
        self.model, self.tree, self.unit, self.policy = model, tree, unit, policy
        self.indicator = indicator
        self.text = to_text(tree)
        self.compilations = 0
        self._exact: dict[int, ExactProgram] = {}
        self._numpy: dict[int, NumpyProgram] = {}
        self._scalar: dict[int, ScalarProgram] = {}

    def exact_program(self, year: int) -> ExactProgram:
        return self._program(self._exact, ExactProgram, year)

    def numpy_program(self, year: int) -> NumpyProgram:
        program = self._numpy.get(year)
        if program is not None:
            return program
        from .backends.numpy import NumpyProgram  # numpy only where a batch runs

        return self._program(self._numpy, NumpyProgram, year)

    def scalar(self, year: int) -> ScalarProgram:
        """The float scalar path for `year`: `.function(*floats)` with one float per entry
        of `.keys` ((id, year key), the inputs then the indicators the formula reads),
        NaN for a missing value; it returns a float, NaN when not computable (the exact
        path says why). Plain Python floats: no numpy, no pydantic."""
        return self._program(self._scalar, ScalarProgram, year)

    def _program(self, cache: dict[int, P], build: Callable[[ir.Node], P], year: int) -> P:
        """The back-end's program for `year`, compiled on first use and kept."""
        program = cache.get(year)
        if program is None:
            program = cache[year] = build(self.model.lower(self, year))
            self.compilations += 1
        return program

    def evaluate_value(
        self, values: ValuesByName | Values, year: int, trace: list[Step] | None = None
    ) -> Fraction | bool | NotComputable:
        """The exact value, or the NotComputable saying why not (no Result is built)."""
        table = values if isinstance(values, Values) else Values(self.model.table, values)
        try:
            return self.exact_program(year).run(table.exact, trace)
        except NotComputable as reason:
            return reason

    def evaluate(
        self,
        values: ValuesByName | Values,
        year: int,
        decimals: int | None = None,
        trace: list[Step] | None = None,
    ) -> Result:
        value = self.evaluate_value(values, year, trace)
        places = default_decimals(self.unit) if decimals is None else decimals
        base: dict[str, Any] = {
            "formula": self.text,
            "indicator": self.indicator,
            "year": year,
            "unit": str(self.unit),
            "decimals": places,
        }
        if isinstance(value, NotComputable):
            return Result(status="not_computable", reason=value.reason, code=value.code, **base)
        if isinstance(value, bool):
            return Result(status="ok", value=value, rounded=str(value).lower(), **base)
        rounded = format_decimal(value, places)
        return Result(
            status="ok", value=value, rounded=rounded, display=indonesian_of_plain(rounded), **base
        )

    def evaluate_many(
        self, columns: Mapping[tuple[str, YearKey], Array], year: int, rows: int
    ) -> Array:
        """The fast path: float64 values for `rows` rows at once (NaN: not computable).

        Columns are keyed by (id or label, year); referenced indicators are computed
        (inlined), unless a column gives them: then a row's given value is used, and
        the computed one where it is NaN."""
        keyed = fast_columns(self.model.table, columns, rows, self.model.column_names)
        program = self.numpy_program(year)
        unread_finite(keyed, program.reads)
        return program(keyed, rows)

    def to_sympy(self, year: int) -> sympy.Basic:
        """The plain sympy form (references to indicators as symbols), for the checks."""
        return self.model.sympy_compiler().compile(self.tree, year)

    def to_sql(
        self,
        year: int,
        table: str = "t",
        integers: Collection[str] = (),
        given: Collection[tuple[str, YearKey]] = (),
    ) -> exp.Select:
        """A sqlglot SELECT of `value` and `reason` over a table of columns `<id>__<year>`
        (`integers`: ids whose columns are BIGINT); indicators are computed inline, except
        where a column of `given` ((indicator, year)) holds a value."""
        from .backends.sql import SqlProgram

        root = self.model.lower(self, year)
        return SqlProgram(root, integers=integers, given=given).query(table)


class Model:
    """Declarations compiled: every indicator parsed, resolved and unit-checked.

    Construction fails fast with the first FormulaError; `formula_engine.formula_file` collects
    every problem of a file instead."""

    def __init__(self, declarations: Declarations) -> None:
        self.declarations = declarations
        self.plan: Plan = declarations.plan
        self.table = SymbolTable.from_declarations(declarations)
        self._inputs: dict[str, Input] = {i.id: i for i in declarations.inputs}
        self._indicators: dict[str, CompiledFormula] = {}
        checked: dict[str, Checked] = {
            d.id: check_formula(d.formula, self.table, d.parsed_unit)
            for d in declarations.indicators
        }
        self.order = dependency_order({i: c.tree for i, c in checked.items()}, set(checked))
        for entry in declarations.indicators:
            done = checked[entry.id].required()
            self._indicators[entry.id] = CompiledFormula(
                self, done.tree, done.unit, entry.policy, entry.id
            )
        self.lowering = Lowering(
            self.plan,
            {i: (c.tree, c.policy) for i, c in self._indicators.items()},
            lambda identifier: self.table.by_id[identifier].label,
        )
        self._symbolic: SympyCompiler | None = None
        self.column_names: dict[tuple[Any, Any], tuple[str, YearKey]] = {}
        self._table_runs: dict[tuple[Any, ...], _TableRun] = {}

    def lower(self, formula: CompiledFormula, year: int) -> ir.Node:
        """The formula's IR for year n (cached by the lowering per tree, year, policy)."""
        return self.lowering.lower(formula.tree, year, formula.policy)

    def indicator(self, identifier: str) -> CompiledFormula:
        if identifier not in self._indicators:
            symbol = self.table.lookup(nodes.Reference(identifier, quoted=True))
            if symbol is None or symbol.id not in self._indicators:
                raise ResolveError(f"unknown indicator {identifier!r}", None, code="E204")
            identifier = symbol.id
        return self._indicators[identifier]

    def compile(
        self,
        text: str,
        policy: Policy | None = None,
        unit: str | None = None,
        accept: tuple[str, ...] = (),
    ) -> CompiledFormula:
        """A formula over this model's inputs and indicators (fails fast).

        `accept` lists unit-check codes (E310-E313) that a catalog accepts as the
        document's own mistake: the formula is then evaluated as printed, numbers only,
        and its unit is reported as unknown ("?")."""
        expected = parse_unit(unit) if unit is not None else None
        checked = check_formula(text, self.table, expected)
        error = checked.unit_error
        if error is not None and error.code in accept and checked.unit is UNKNOWN_UNIT:
            return CompiledFormula(self, checked.tree, UNKNOWN_UNIT, policy or Policy())
        checked.required()
        return CompiledFormula(self, checked.tree, checked.unit, policy or Policy())

    def evaluate(
        self, identifier: str, year: int, values: ValuesByName | Values, decimals: int | None = None
    ) -> Result:
        return self.indicator(identifier).evaluate(values, year, decimals)

    def evaluate_table(
        self,
        table: object,
        years: Iterable[int],
        indicators: Iterable[str] | None = None,
        reasons: bool = True,
        ignore: Collection[str] = (),
    ) -> TableResult:
        """Every indicator (or those named) for every year, over all rows of a table.

        `table`: a dict of columns (numpy arrays or sequences), a pyarrow Table or a
        polars DataFrame (neither is imported unless given). A column is named
        `<id or label>__<year>` (`__awal` for the baseline), or keyed `(name, year)` in a
        dict; a null is a missing value. A column that names no input or indicator is
        E203 with "did you mean", never a silent NaN; `ignore` lists columns to skip
        (a region's name, say). A column given for an indicator is used where not NaN,
        as in evaluate_many. The numpy program of each (indicator, year) is compiled
        once and kept; an indicator that another reads is computed once per year (in
        dependency order, the reader takes its values)."""
        import numpy as np

        names, read = table_reader(table)
        years = tuple(years)
        chosen = None if indicators is None else tuple(indicators)
        key = (type(table), tuple(names), years, chosen, frozenset(ignore))
        run = self._table_runs.get(key)
        if run is None:
            run = self._prepare_table(names, years, chosen, ignore)
            if len(self._table_runs) >= _TABLE_RUNS:
                self._table_runs.clear()
            self._table_runs[key] = run
        keyed: dict[tuple[str, YearKey], Array] = {}
        rows = -1
        for name, resolved in run.columns:
            array = np.asarray(read(name), dtype=np.float64)  # a null reads as NaN
            if rows < 0:
                rows = len(array) if array.ndim else 0
            if array.shape != (rows,):
                raise _wrong_shape(f"the column {name!r}", array.shape, rows)
            keyed[resolved] = array
        rows = max(rows, 0)
        if run.unread:
            from .backends.numpy import check_finite

            check_finite(keyed, run.unread)
        values: dict[tuple[str, int], Array] = {}
        why: dict[tuple[str, int], npt.NDArray[np.int8]] = {}
        stacked = bool(run.stacks) and rows <= max(STACK_ROWS, MANY_ROWS)
        programs, copies = (
            (run.others, run.others_copies) if stacked else (run.programs, run.copies)
        )
        block = iter(np.empty((copies, rows)) if copies else ())
        fresh = functools.partial(next, block, None)  # a row of the block, then None
        with np.errstate(divide="ignore", invalid="ignore"):  # one for every program
            for stack in run.stacks if stacked else ():  # they read no indicator: first
                _run_stack(stack, keyed, rows, reasons, values, why)
            for done, program in programs:  # an indicator read by a later one is
                if reasons:  # taken from `values`, not computed again
                    values[done], why[done] = program.run_with_reasons(
                        keyed, rows, values, why, fresh
                    )
                else:
                    values[done] = program.run(keyed, rows, values, fresh)
        return TableResult(rows, values, why)

    def _prepare_table(
        self,
        names: list[Any],
        years: tuple[int, ...],
        indicators: tuple[str, ...] | None,
        ignore: Collection[str],
    ) -> _TableRun:
        """Resolve a table's column names (E203 with "did you mean" for a name that is
        no input or indicator) and compile the programs of its indicators and years."""
        columns: list[tuple[Any, tuple[str, YearKey]]] = []
        for name in names:
            if name in ignore:
                continue
            given = name if isinstance(name, tuple) else _split_column_name(name)
            identifier = _declared(self.table, given[0], "column").id
            key = year_key_of(given[1], f"the column of {identifier!r}")
            columns.append((name, (identifier, key)))
        chosen = (
            self.order
            if indicators is None
            else [self.indicator(i).indicator or i for i in indicators]
        )
        programs = tuple(
            ((identifier, year), self._indicators[identifier].numpy_program(year))
            for year in years
            for identifier in chosen
        )
        read = set().union(*(program.reads for _, program in programs))
        unread = tuple(dict.fromkeys(key for _, key in columns if key not in read))
        copies = sum(program.copies for _, program in programs)
        stacks = _stacks(programs)
        stacked = {done for stack in stacks for done, _, _ in stack.members}
        others = tuple((done, program) for done, program in programs if done not in stacked)
        others_copies = sum(program.copies for _, program in others)
        return _TableRun(tuple(columns), unread, programs, copies, stacks, others, others_copies)

    def sympy_compiler(self) -> SympyCompiler:
        if self._symbolic is None:
            self._symbolic = Model.symbolic(self.declarations)
        return self._symbolic

    @staticmethod
    def symbolic(declarations: Declarations) -> SympyCompiler:
        """The sympy compiler for these declarations (with the inputs' domains)."""
        from .backends.sympy import SympyCompiler

        domains = {i.id: i.domain for i in declarations.inputs}
        return SympyCompiler(declarations.plan, domains)


def _stacks(programs: tuple[tuple[tuple[str, int], NumpyProgram], ...]) -> tuple[_Stack, ...]:
    """The programs that can run as one with another (see _Stack): one shape, and each
    column of the first one at one column of each other one."""
    shapes: dict[object, list[tuple[tuple[str, int], NumpyProgram, tuple[Any, ...]]]] = {}
    for done, program in programs:
        layout = program.layout()
        if layout is not None:
            shapes.setdefault(layout[0], []).append((done, program, layout[1]))
    found: list[_Stack] = []
    for alike in shapes.values():
        first = alike[0][2]
        columns = tuple(dict.fromkeys(first))
        members = []
        for done, program, keys in alike:
            own: dict[tuple[str, YearKey], tuple[str, YearKey]] = {}  # (one column of
            pairs = zip(first, keys, strict=True)  # the first at two of another's: apart)
            if all(own.setdefault(key, mine) == mine for key, mine in pairs):
                members.append((done, program, tuple(own[key] for key in columns)))
        if len(members) > 1:
            found.append(_Stack(alike[0][1], columns, tuple(members)))
    return tuple(found)


def _run_stack(
    stack: _Stack,
    columns: Columns,
    rows: int,
    reasons: bool,
    values: dict[tuple[str, int], Array],
    why: dict[tuple[str, int], npt.NDArray[np.int8]],
) -> None:
    """Programs of one shape as one, over their columns end to end (as many at a time as
    STACK_VALUES allows); each one's values (and reasons) are a view of its part. An
    infinite value is E403 of its own column: the programs are then run one by one,
    and the first one raises it."""
    import numpy as np

    from .backends.exact import InputError

    if rows > STACK_ROWS and len(stack.members) < MANY:  # few of a shape: one by one
        for done, program, _ in stack.members:
            if reasons:
                values[done], why[done] = program.run_with_reasons(columns, rows)
            else:
                values[done] = program.run(columns, rows)
        return
    size = max(2, STACK_VALUES // max(rows, 1))
    for start in range(0, len(stack.members), size):
        members = stack.members[start : start + size]
        joined: dict[tuple[str, YearKey], Array] = {}
        for place, key in enumerate(stack.columns):
            parts = [columns.get(own[place]) for _, _, own in members]
            if any(part is not None for part in parts):
                joined[key] = np.concatenate(
                    [np.full(rows, np.nan) if part is None else part for part in parts]
                )
        length = rows * len(members)
        try:
            if reasons:
                value, code = stack.program.run_with_reasons(joined, length)
            else:
                value = stack.program.run(joined, length)
        except InputError:
            for _, program, _ in members:
                program.run(columns, rows)
            raise
        for part, (done, _, _) in enumerate(members):
            values[done] = value[part * rows : (part + 1) * rows]
            if reasons:
                why[done] = code[part * rows : (part + 1) * rows]


def ad_hoc_declarations(
    text: str, units: Mapping[str, str] | None = None, plan: Plan | None = None
) -> Declarations:
    """Declarations for a lone formula: every name it references becomes an input
    (dimensionless unless `units` says otherwise). Used by `renstra eval` and `equiv`."""
    units = dict(units or {})
    inputs: dict[str, Input] = {}
    for reference in nodes.references(parse(text)):
        identifier = reference.name if not reference.quoted else _slug(reference.name)
        if identifier not in inputs:
            inputs[identifier] = _ad_hoc_input(identifier, reference, units)
    return Declarations(plan=plan or Plan(), inputs=tuple(inputs.values()))


def _ad_hoc_input(identifier: str, reference: nodes.Reference, units: Mapping[str, str]) -> Input:
    """The input a lone formula's reference declares; a bad unit or name is our error
    (E301 for the unit, E302 otherwise) with the span of the reference."""
    unit = units.get(reference.name, "1")
    try:
        parse_unit(unit)
    except CheckError as error:
        raise CheckError(
            f"the unit {unit!r} given for {reference.name!r}: {error.message}",
            reference.span,
            code=error.code,
            hint=error.hint,
        ) from None
    try:
        return Input(id=identifier, label=reference.name, unit=unit, domain="real")
    except ValidationError as invalid:
        problem = invalid.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        raise CheckError(
            f"{reference.name!r} cannot be declared as an input: {field}: {problem['msg']}",
            reference.span or Span(0, 0),
            code="E302",
            hint="use a shorter snake_case name or label",
        ) from None


def _slug(label: str) -> str:
    words = re.findall(r"[a-z0-9]+", label.casefold())
    stem = "_".join(words)[:40].strip("_") or "label"
    if not stem[0].isalpha():
        stem = f"l_{stem}"
    return f"{stem}_{hashlib.sha1(label.encode()).hexdigest()[:6]}"
