"""A grammar-aware generator of formula text (grammar/formula.lark), written against the
`random.Random` interface so that one generator serves two drivers: a seeded
`random.Random` for the long runs (fast, reproducible from the seed) and hypothesis's
`st.randoms()` for the property test (which then shrinks what it finds).

It writes surface text, not trees: every alias of an operator, word or function, random
layout, labels with odd characters, every kind of period, deep nesting, long flat chains,
sums with many arguments, nested akumulasi. Numbers and conditions are generated apart,
so most formulas pass the type check and reach evaluation.

With a small probability one deliberate mistake is written (a reserved word as a name, a
bad period, an unknown function, a comma as decimal mark, ...). A formula without one,
within the language's limits, is `expect_valid`: the parser must accept it. Nesting is
counted as written (parentheses, brackets, calls, unary operators, one level per flat
chain of operators), which is the "real nesting" the depth limit (64) is about.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hypothesis import strategies as st

MAX_REAL_DEPTH = 64  # the language's limit (docs/formula-language.md, "Limits")
# Within this many characters as typed, the canonical form (at most 4 characters for each
# one typed: 'a,b' prints 'a, b') is within the language's limit of 20,000.
MAX_LENGTH = 20_000 // 4
MAX_LEAVES = 60

PLUS, MINUS = ["+"], ["-", "−", "–"]
TIMES, DIVIDE = ["x", "*", "×"], ["/", "÷"]
COMPARE = ["=", "==", "!=", "<>", "≠", "<", "<=", "≤", ">", ">=", "≥"]
AND, OR, NOT = ["and", "dan"], ["or", "atau"], ["not", "tidak"]
WORDS = {"x", "and", "dan", "or", "atau", "not", "tidak"}
NAME_POOL = ["a", "b", "jumlah_pmks", "ppks", "sum", "x1", "ax", "n_1", "dana_rp", "k2022"]
LABEL_WORDS = ["Jumlah", "PMKS", "fakir", "miskin", "KPM", "yang", "bekerja/", "(dok)",
               "thn", "n-1", "100%", "x", "Rp.", "é", "ñ", "×", "1.009", "16,24", "[n]",
               "akumulasi(", "Indeks", "—", "'", "#", "\t"]  # fmt: skip
# One deliberate mistake per kind: (text, what the parser should say).
MISTAKES = [
    "n", "awal", "Jumlah", "camelCase", "a__b", "_a", "16,24", "1.009.000", "a ^ 2",
    "a ** 2", '""', '"unterminated', "a = b = c", "a +", "a b", "(a", "a)", "a[n-51]",
    "a[1800]", "a[n-1.5]", "a[2022.5]", "akumulasi(a)[awal]", "sum(a)[n-1]", "summ(a)",
    "if(a > 0, 1)", "abs(a, b)", "min()", "1__0", "1_", "\u00a0a", "a\x00", "a\\b",
    "1" * 25, '"' + "l" * 201 + '"', "a[n]]", "max(a,)", "×", "a x", "SUM(a)", "a.b",
]  # fmt: skip


@dataclass(frozen=True)
class Generated:
    text: str
    expect_valid: bool
    depth: int  # real nesting as written


class _Writer:
    """One formula being written: its names, its depth budget, and whether a mistake was
    made."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        pool = rng.sample(NAME_POOL, rng.randint(1, 4))
        labels = [self._label() for _ in range(rng.randint(0, 3))]
        self.references = pool + [f'"{label}"' for label in labels]
        self.budget = rng.choice([3, 4, 6, 8, 12, 20])
        self.mistakes = 0
        self.cumulating = 0  # how many akumulasi(...) enclose what is being written
        self.leaves = 0  # bounds the size: past MAX_LEAVES every operand is a leaf
        self.mistake_chance = rng.choice([0.0, 0.0, 0.002, 0.02])

    # Layout and leaves.

    def space(self) -> str:
        return self.rng.choice([" ", " ", " ", "", "  ", "\t", "\n", " \r\n "])

    def around(self, operator: str) -> str:
        left, right = self.space(), self.space()
        if operator in WORDS:  # a word operator needs a blank on each side
            left, right = left or " ", right or " "
        return f"{left}{operator}{right}"

    def _label(self) -> str:
        rng = self.rng
        words = [rng.choice(LABEL_WORDS) for _ in range(rng.randint(0, 5))] + ["Data"]
        rng.shuffle(words)
        if rng.random() < 0.02:
            words = ["panjang"] * 24  # 191 characters: close to the 200 limit
        return rng.choice(["", " "]) + " ".join(words) + rng.choice(["", "  "])

    def number(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.5:
            return str(rng.choice([0, 1, 2, 3, 10, 100, 1000, rng.randint(0, 10**6)]))
        if kind < 0.8:
            return f"{rng.randint(0, 999)}.{rng.randint(0, 99):0{rng.randint(1, 3)}d}"
        if kind < 0.9:
            return "_".join(str(rng.randint(1, 999)) for _ in range(rng.randint(2, 4)))
        return str(rng.randint(10**20, 10**24 - 1))  # up to the 24-digit limit

    def period(self) -> str:
        rng = self.rng
        relative = [
            "n",
            f"n-{rng.randint(0, 3)}",
            f"n+{rng.randint(0, 2)}",
            f"n - {rng.randint(1, 50)}",
        ]
        body = rng.choice([*relative, str(rng.randint(2017, 2030)), "awal", "baseline", "2200"])
        return f"[{self.space()}{body}{self.space()}]"

    def reference(self) -> tuple[str, int]:
        text = self.rng.choice(self.references)
        if self.rng.random() < 0.4:
            return text + self.period(), 2  # the brackets nest once
        return text, 1

    @property
    def full(self) -> bool:
        return self.leaves > MAX_LEAVES

    def leaf(self) -> tuple[str, int]:
        self.leaves += 1
        roll = self.rng.random()
        if roll < 0.55:
            return self.reference()
        if roll < 0.9:
            return self.number(), 1
        return f"{self.number()}{self.rng.choice(['%', '%', ' %'])}", 1

    def mistake(self, depth: int) -> tuple[str, int] | None:
        if self.rng.random() >= self.mistake_chance:
            return None
        self.mistakes += 1
        return self.rng.choice(MISTAKES), depth + 1

    # Productions: each returns (text, real depth).

    def quantity(self, depth: int = 0) -> tuple[str, int]:
        wrong = self.mistake(depth)
        if wrong:
            return wrong
        if depth >= self.budget or self.full:
            return self.leaf()
        rng, roll = self.rng, self.rng.random()
        if roll < 0.3:
            return self.leaf()
        if roll < 0.55:
            sums = rng.random() < 0.6
            return self.chain(depth, PLUS + MINUS if sums else TIMES + DIVIDE, sums)
        if roll < 0.65:
            text, inner = self.quantity(depth + 1)
            return f"{rng.choice(MINUS + PLUS)}{self.space()}{text}", inner + 1
        if roll < 0.75:
            return self.group(self.quantity(depth + 1))
        if roll < 0.88:
            return self.call(depth)
        if roll < 0.94:
            return self.akumulasi(depth)
        return self.condition_call(depth)

    def chain(self, depth: int, operators: list[str], sums: bool) -> tuple[str, int]:
        rng = self.rng
        terms = rng.choice([2, 2, 3, 4, rng.randint(5, 30), rng.randint(60, 130)])
        parts = [self.operand(depth, sums) for _ in range(terms)]
        text = parts[0][0]
        for part, _ in parts[1:]:
            text += self.around(rng.choice(operators)) + part
        return text, 1 + max(d for _, d in parts)

    def operand(self, depth: int, sums: bool) -> tuple[str, int]:
        """A chain's term: anything that binds tighter than the chain's operators."""
        if self.rng.random() < 0.6 or depth + 1 >= self.budget or self.full:
            return self.leaf()
        text, inner = self.quantity(depth + 1)
        if sums and self.rng.random() < 0.5:
            return text, inner
        return self.group((text, inner))

    def group(self, inner: tuple[str, int]) -> tuple[str, int]:
        return f"({self.space()}{inner[0]}{self.space()})", inner[1] + 1

    def call(self, depth: int) -> tuple[str, int]:
        rng = self.rng
        function = rng.choice(["sum", "min", "max", "abs"])
        count = 1 if function == "abs" else rng.choice([1, 2, 3, rng.randint(4, 70)])
        args = [self.quantity(depth + 1) for _ in range(count)]
        joined = ("," + self.space()).join(text for text, _ in args)
        return f"{function}({joined})", 1 + max(d for _, d in args)

    def akumulasi(self, depth: int) -> tuple[str, int]:
        rng = self.rng
        self.mistakes += self.cumulating > 0  # akumulasi inside akumulasi is E123
        self.cumulating += 1
        body, inner = self.quantity(depth + 1)
        self.cumulating -= 1
        end = rng.choice(["", "", "[n]", "[n-1]", "[n+1]", "[2024]", "[2026]", "[n - 2]"])
        if rng.random() < 0.05:
            end = rng.choice(["[n+50]", "[2200]", "[1900]", "[n-50]"])
        return f"{rng.choice(['akumulasi', 'cumulative'])}({body}){end}", inner + 1 + bool(end)

    def condition_call(self, depth: int) -> tuple[str, int]:
        parts = [self.condition(depth + 1), self.quantity(depth + 1), self.quantity(depth + 1)]
        joined = ("," + self.space()).join(text for text, _ in parts)
        return f"{self.rng.choice(['if', 'jika'])}({joined})", 1 + max(d for _, d in parts)

    def condition(self, depth: int = 0) -> tuple[str, int]:
        wrong = self.mistake(depth)
        if wrong:
            return wrong
        rng, roll = self.rng, self.rng.random()
        if roll < 0.55 or depth >= self.budget or self.full:
            (left, a), (right, b) = self.quantity(depth + 1), self.quantity(depth + 1)
            return left + self.around(rng.choice(COMPARE)) + right, 1 + max(a, b)
        if roll < 0.7:
            text, inner = self.condition(depth + 1)
            return f"{rng.choice(NOT)} {text}", inner + 1
        if roll < 0.8:
            return self.group(self.condition(depth + 1))
        operator = rng.choice([AND, OR])
        parts = [self.group(self.condition(depth + 1)) for _ in range(rng.randint(2, 5))]
        text = self.around(rng.choice(operator)).join(text for text, _ in parts)
        return text, 1 + max(d for _, d in parts)


def _shape(writer: _Writer) -> tuple[str, int] | None:
    """Now and then, one of the shapes that stress the engine's bounds."""
    rng = writer.rng
    roll = rng.random()
    if roll > 0.15:
        return None
    ref, count = rng.choice(writer.references), rng.randint(2, 130)
    if roll < 0.03:  # a long flat chain, the same name repeated
        return writer.around(rng.choice(PLUS + TIMES)).join([ref] * count), 2
    if roll < 0.06:  # deep parentheses
        depth = rng.randint(1, 70)
        return "(" * depth + ref + ")" * depth, depth + 1
    if roll < 0.08:  # nested akumulasi
        depth, end = rng.randint(1, 6), rng.choice(["", "", "[n+1]", "[n+50]", "[2200]"])
        writer.mistakes += depth > 1  # akumulasi inside akumulasi is E123
        return "akumulasi(" * depth + ref + f"){end}" * depth, 2 * depth + 1
    if roll < 0.1:  # nested calls
        depth, function = rng.randint(1, 70), rng.choice(["abs", "sum", "min", "max"])
        return f"{function}(" * depth + ref + ")" * depth, depth + 1
    if roll < 0.12:  # many arguments
        count = rng.choice([count, rng.randint(300, 900)])  # printed, longer than 2,000?
        return f"sum({rng.choice([', ', ',']).join([ref] * count)})", 2
    if roll < 0.135:  # unary chains
        depth = rng.randint(1, 70)
        return "-" * depth + ref, depth + 1
    depth = rng.randint(1, 40)  # nested if
    text = ref
    for _ in range(depth):
        text = f"if({ref} > 0, {text}, {ref})"
    return text, depth + 2


def generate(rng: random.Random) -> Generated:
    """One formula text, mostly valid, sometimes with one deliberate mistake."""
    writer = _Writer(rng)
    shaped = _shape(writer)
    if shaped is None:
        shaped = writer.condition() if rng.random() < 0.12 else writer.quantity()
    text, depth = shaped
    if rng.random() < 0.3:
        text = writer.space() + text + writer.space()
    valid = writer.mistakes == 0 and depth <= MAX_REAL_DEPTH and len(text) <= MAX_LENGTH
    return Generated(text, valid, depth)


formula_texts = st.randoms(use_true_random=False).map(generate)
