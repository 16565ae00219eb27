"""`python -m formula_engine` is the `renstra` command."""

from .cli import main

main(prog_name="renstra")
