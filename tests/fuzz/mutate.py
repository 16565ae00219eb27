"""Byte and token mutation of the seed corpus (tests/corpus/seed_formulas.txt).

Each mutant applies one to four edits to a seed formula, at the level of UTF-8 bytes
(flip a bit, set, insert, delete or duplicate bytes, splice with another seed) or of
tokens (delete, duplicate, swap, or insert a token of the language). The bytes are then
decoded either leniently (U+FFFD for a broken sequence) or with surrogate escapes (lone
surrogates, which the parser must reject as characters, never crash on).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

SEEDS_FILE = Path(__file__).resolve().parent.parent / "corpus" / "seed_formulas.txt"
TOKEN = re.compile(r'"[^"\n]*"|[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9_.]*|\s+|.', re.DOTALL)
INTERESTING_BYTES = b'"()[],.%_-+x/\\\n\t\x00\x7f\xff\xc2\xa0\xe2'
TOKENS = [
    "(", ")", "[", "]", ",", "%", "x", "×", "÷", "−", "≤", "≥", "≠", "<>", "==", "^", "**",
    "and", "atau", "not", "tidak", "n", "awal", "baseline", "[n-1]", "[n+50]", "[n-51]",
    "[2022]", "[awal]", "akumulasi(", "cumulative(", "jika(", "if(", "sum(", "min(", "max(",
    "abs(", '"', '""', "16,24", "1.009", "1_000", "9" * 30, " ", "\u00a0", "\u200b", "\ud800",
]  # fmt: skip


@cache
def seeds() -> tuple[str, ...]:
    lines = SEEDS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line for line in lines if line.strip() and not line.startswith("#"))


def mutate(rng: random.Random, seed: str | None = None) -> str:
    """A mutant of `seed` (by default a seed formula drawn at random)."""
    text = seed if seed is not None else rng.choice(seeds())
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.5:
            data = bytearray(text.encode("utf-8", "surrogatepass"))
            text = _decode(rng, rng.choice(_BYTE_EDITS)(rng, data))
        else:
            text = "".join(rng.choice(_TOKEN_EDITS)(rng, TOKEN.findall(text) or [""]))
    return text


def _decode(rng: random.Random, data: bytearray) -> str:
    return bytes(data).decode("utf-8", rng.choice(["replace", "surrogateescape"]))


def _at(rng: random.Random, length: int) -> int:
    return rng.randint(0, length)


def _flip(rng: random.Random, data: bytearray) -> bytearray:
    if data:
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return data


def _set_byte(rng: random.Random, data: bytearray) -> bytearray:
    if data:
        data[rng.randrange(len(data))] = rng.choice(INTERESTING_BYTES)
    return data


def _insert_byte(rng: random.Random, data: bytearray) -> bytearray:
    at = _at(rng, len(data))
    data[at:at] = bytes([rng.choice(INTERESTING_BYTES)])
    return data


def _delete_bytes(rng: random.Random, data: bytearray) -> bytearray:
    start = _at(rng, len(data))
    del data[start : start + rng.randint(1, 8)]
    return data


def _duplicate_bytes(rng: random.Random, data: bytearray) -> bytearray:
    start = _at(rng, len(data))
    piece = data[start : start + rng.randint(1, 40)]
    return data[:start] + piece * rng.randint(2, 60) + data[start:]


def _splice(rng: random.Random, data: bytearray) -> bytearray:
    other = rng.choice(seeds()).encode("utf-8")
    return data[: _at(rng, len(data))] + other[_at(rng, len(other)) :]


def _delete_token(rng: random.Random, tokens: list[str]) -> list[str]:
    del tokens[rng.randrange(len(tokens))]
    return tokens


def _duplicate_token(rng: random.Random, tokens: list[str]) -> list[str]:
    at = rng.randrange(len(tokens))
    return tokens[:at] + [tokens[at]] * rng.randint(2, 40) + tokens[at:]


def _swap_tokens(rng: random.Random, tokens: list[str]) -> list[str]:
    i, j = rng.randrange(len(tokens)), rng.randrange(len(tokens))
    tokens[i], tokens[j] = tokens[j], tokens[i]
    return tokens


def _insert_token(rng: random.Random, tokens: list[str]) -> list[str]:
    tokens.insert(_at(rng, len(tokens)), rng.choice(TOKENS))
    return tokens


def _replace_token(rng: random.Random, tokens: list[str]) -> list[str]:
    tokens[rng.randrange(len(tokens))] = rng.choice(TOKENS + tokens)
    return tokens


_BYTE_EDITS: list[Callable[[random.Random, bytearray], bytearray]] = [
    _flip, _set_byte, _insert_byte, _delete_bytes, _duplicate_bytes, _splice,
]  # fmt: skip
_TOKEN_EDITS: list[Callable[[random.Random, list[str]], list[str]]] = [
    _delete_token, _duplicate_token, _swap_tokens, _insert_token, _replace_token,
]  # fmt: skip
