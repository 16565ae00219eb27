"""National scale (issue 13, docs/scale.md): many catalogs as Parquet tables, evaluated
in one batch on DuckDB, Spark or numpy. Imported only by `renstra export parquet`,
`batch` and `synth` (cli_scale.py): pyarrow, DuckDB and pyspark load there."""
