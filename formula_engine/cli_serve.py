"""`renstra serve`: the HTTP service (formula_engine.service) on uvicorn.

FastAPI and uvicorn are imported when the command runs, never by `renstra --help`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .cli_params import Folder, LimitedFile, UnreadableInput, decode, read_file
from .exit_codes import ExitCode

MIN_TOKEN = 16  # characters: a shorter token is guessable


class NamedCatalog(click.ParamType[tuple[str, Path]]):
    """NAME=DIR, or DIR (named after the directory)."""

    name = "NAME=DIR"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, Path]:
        text = str(value)
        name, equals, folder = text.partition("=")
        if not equals:
            name, folder = Path(text).resolve().name, text
        if not name or len(name) > 80 or not name.replace("-", "_").isidentifier():
            self.fail(
                f"{name!r} is not a catalog name (hint: letters, digits, '-' and '_', "
                "e.g. blitar=catalog/)",
                param,
                ctx,
            )
        return name, Folder().convert(folder, param, ctx)


@click.command("serve")
@click.option(
    "-c",
    "--catalog",
    "catalogs",
    multiple=True,
    type=NamedCatalog(),
    help="A catalog to serve, NAME=DIR (repeat for several; default: the bundled one, "
    "as 'renstra').",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="The port."
)
@click.option(
    "--token-file",
    type=LimitedFile(),
    help=f"A file holding the bearer token that edits need ({MIN_TOKEN}+ characters); "
    "without it, edits are refused.",
)
@click.option(
    "--time-budget",
    type=click.FloatRange(0.1, 300),
    default=10.0,
    show_default=True,
    help="Seconds one request may take; past it the request is stopped (503).",
)
def serve_command(
    catalogs: tuple[tuple[str, Path], ...],
    host: str,
    port: int,
    token_file: Path | None,
    time_budget: float,
) -> None:
    """Serve the formulas, catalogs, audit and edits over HTTP (OpenAPI at /docs).

    Every catalog is checked first (exit 4 if one does not check). See docs/service.md.
    """
    from .catalog import CatalogRejected

    names = [name for name, _ in catalogs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise click.BadParameter(f"the name {twice[0]!r} is given twice", param_hint="--catalog")
    token = _token(token_file) if token_file is not None else None
    try:
        import uvicorn  # noqa: F401 - needed by run(): say so before loading the catalogs

        from .service import Limits, create_app
    except ImportError as missing:
        click.echo(
            f"renstra serve needs {missing.name}: pip install 'formula-engine[service]'", err=True
        )
        sys.exit(ExitCode.USAGE)
    try:
        app = create_app(dict(catalogs) or None, token=token, limits=Limits(seconds=time_budget))
    except CatalogRejected as rejected:
        for diagnostic in rejected.diagnostics:
            click.echo(diagnostic.render() + "\n", err=True)
        click.echo(f"{rejected.location.where}: {rejected.message}", err=True)
        sys.exit(ExitCode.CATALOG_REJECTED)
    edits = "on (bearer token)" if token else "off (no --token-file)"
    click.echo(f"renstra serve: http://{host}:{port}/docs; edits {edits}", err=True)
    run(app, host, port)


def run(app: Any, host: str, port: int, log_level: str = "warning") -> None:
    """uvicorn, one worker, with what was loaded at start (the catalogs, their models)
    kept out of the garbage collector's full passes: a full pass over them takes tens of
    milliseconds, which a request waiting behind it would pay."""
    import gc

    import uvicorn

    gc.collect()
    gc.freeze()
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


def _token(path: Path) -> str:
    try:
        token = decode(str(path), read_file(path)).strip()
    except UnreadableInput as error:
        raise click.BadParameter(str(error), param_hint="--token-file") from None
    if len(token) < MIN_TOKEN or any(ch.isspace() or not ch.isprintable() for ch in token):
        raise click.BadParameter(
            f"{str(path)!r} holds no usable token: {MIN_TOKEN}+ printable characters on one "
            "line, no spaces (hint: python -c 'import secrets; print(secrets.token_urlsafe())')",
            param_hint="--token-file",
        )
    return token
