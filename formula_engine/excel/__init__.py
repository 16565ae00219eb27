"""Excel and CSV in and out: the sheets planners fill in, read back cell by cell.

- diagnostics: a problem at a cell (`f.xlsx!Realisasi!G17`, `f.csv:17:7`), rendered;
- cells: reading what a planner types into a number cell (1.234,5 / 1234.5 / "12,5 %");
- grid: a sheet (xlsx) or a CSV file as rows of located cells, with its structural problems;
- realisasi: the template of realisations and its import (every bad cell at once).

openpyxl is imported only inside the functions that read or write a workbook.
"""
