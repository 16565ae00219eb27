"""The back-ends of the compiler: each consumes the IR of formula_engine.ir.

- exact: closures over ints and Fractions (the reference; explain Steps)
- numpy: float64 programs over columns (NaN and a reason mask)
- sympy: expressions with one symbol per (input, year) slot
- sql:   sqlglot SELECTs with a value and a reason column (DuckDB, Spark)

docs/compiler.md describes the IR, the lowering and the semantics each keeps.
"""
