"""The registry of error and warning codes: one table, code -> (stage, one-line meaning).

Every code the package raises is here, and nothing else (tests/test_codes.py scans the
source both ways). The tables of codes in docs/formula-language.md, docs/engine.md and
docs/catalog.md are tested against this table: same codes, same stage. The code itself
stays where the error is raised; this module only describes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NamedTuple

Stage = Literal[
    "any",
    "parse",
    "resolve",
    "check",
    "evaluate",
    "catalog",
    "write",
    "output",
    "service",
    "import",
]


class Code(NamedTuple):
    stage: Stage
    meaning: str


CODES: Mapping[str, Code] = {
    "E000": Code("any", "base code of every engine error; each raised error has its own"),
    # parse: the text is not a formula of the language
    "E100": Code("parse", "unexpected token, or a formula that is not text"),
    "E101": Code("parse", "unexpected, control or unusual space character"),
    "E102": Code("parse", "unclosed parenthesis or bracket"),
    "E103": Code("parse", "unmatched parenthesis or bracket"),
    "E104": Code("parse", "missing operand (two operators in a row, a trailing comma)"),
    "E105": Code("parse", "empty formula, or a formula that ends with an operator"),
    "E106": Code("parse", "comma used as decimal mark"),
    "E107": Code("parse", "Indonesian thousands separators"),
    "E108": Code("parse", "unterminated label"),
    "E109": Code("parse", "power operator"),
    "E110": Code("parse", "misplaced `_` in a number"),
    "E111": Code("parse", "invalid period (offset, year)"),
    "E112": Code("parse", "name not in snake_case"),
    "E113": Code("parse", "empty label"),
    "E114": Code("parse", "unknown function"),
    "E115": Code("parse", "wrong number of arguments"),
    "E116": Code("parse", "missing operator between two values"),
    "E117": Code("parse", "period on a function call other than `akumulasi`"),
    "E118": Code("parse", "reserved word used as a name"),
    "E119": Code("parse", "chained comparison"),
    "E120": Code("parse", "limit: formula too long"),
    "E121": Code("parse", "limit: formula nests too deeply"),
    "E122": Code("parse", "limit: literal too large (a number, a name, a label)"),
    "E123": Code("parse", "`akumulasi` inside `akumulasi`"),
    # resolve: names that do not resolve
    "E200": Code("resolve", "base code of a name that does not resolve"),
    "E201": Code("resolve", "unknown input or indicator in a formula"),
    "E202": Code("resolve", "indicators whose formulas reference each other in a cycle"),
    "E203": Code("resolve", "a value given for an unknown input"),
    "E204": Code("resolve", "unknown indicator asked of a compiled model"),
    "E205": Code("resolve", "`renstra explain` of something the catalog does not hold"),
    # check: units, types and the symbolic checks
    "E300": Code("check", "base code of a formula ill-formed for its declarations"),
    "E301": Code("check", "unknown unit"),
    "E302": Code("check", "a reference that cannot be declared as an input"),
    "E310": Code("check", "operands of different units added, compared or chosen"),
    "E311": Code("check", "a condition used as a number"),
    "E312": Code("check", "a number used as a condition"),
    "E313": Code("check", "a formula whose unit is not its indicator's"),
    "W320": Code("check", "a denominator admissible inputs can make zero"),
    "W321": Code("check", "a share of a whole that can leave [0, 100] %"),
    "W322": Code("check", "a constant formula"),
    "W323": Code("check", "a referenced input that cancels out"),
    "W330": Code("check", "a declared input no formula uses"),
    # evaluate
    "E400": Code("evaluate", "base code of a formula that cannot be evaluated"),
    "E401": Code("evaluate", "not computable: a value is missing"),
    "E402": Code("evaluate", "not computable: a denominator is zero"),
    "E403": Code("evaluate", "a given value is not a finite number, or a year key not a year"),
    "E404": Code("evaluate", "`akumulasi` up to a year more than 50 years outside the plan"),
    "E405": Code("evaluate", "a formula that expands beyond the bound of the lowering"),
    "E406": Code("evaluate", "`renstra batch`: the engine cannot start (no pyspark, no Java)"),
    "E407": Code("evaluate", "`renstra batch`: the engine failed on the dataset"),
    # catalog: loading, validating and editing the YAML catalog
    "E500": Code("catalog", "a file that is not valid YAML, or cannot be read"),
    "E501": Code("catalog", "a value of the wrong type or shape"),
    "E502": Code("catalog", "an unknown key"),
    "E503": Code("catalog", "a missing required key"),
    "E504": Code("catalog", "a code or text that YAML reads as a number"),
    "E505": Code("catalog", "a directory without `renstra.yaml`"),
    "E506": Code("catalog", "an empty file (or only comments)"),
    "E507": Code("catalog", "a file that cannot be read (a folder, a bad link, no permission)"),
    "E508": Code("catalog", "a file that is not UTF-8 text"),
    "E509": Code("catalog", "a NUL byte (a binary file)"),
    "E510": Code("catalog", "a code used by two rows"),
    "E511": Code("catalog", "an id used twice"),
    "E512": Code("catalog", "a code that does not start with its parent's"),
    "E513": Code("catalog", "a link to an unknown sasaran"),
    "E514": Code("catalog", "`part_of` an unknown input"),
    "E515": Code("catalog", "formula versions that overlap or end before they start"),
    "E520": Code("catalog", "a printed figure that cannot be read"),
    "E521": Code("catalog", "Rupiah with decimals"),
    "E522": Code("catalog", "a figure printed in % for another unit"),
    "E523": Code("catalog", "a grade where no grade table is named"),
    "E524": Code("catalog", "a negative budget"),
    "E530": Code("catalog", "no achievement rule"),
    "E531": Code("catalog", "no end-of-period rule"),
    "E532": Code("catalog", "a value without a year"),
    "E533": Code("catalog", "a value for a year outside the period"),
    "E534": Code("catalog", "a period whose last year is before its first"),
    "E540": Code("catalog", "an edit names no indicator of the catalog"),
    "E541": Code("catalog", "an edit names a value the indicator does not cite"),
    "E542": Code("catalog", "an edit that would make the file invalid"),
    "E570": Code("catalog", "a later value for an unknown indicator"),
    "E571": Code("catalog", "a later value for a year outside the plan"),
    "E572": Code("catalog", "a later value that is not a figure (or Rupiah with decimals)"),
    "E573": Code("catalog", "a later value in an unknown unit, or not the indicator's"),
    "E574": Code("catalog", "a source that is not declared, or declared twice"),
    "E575": Code("catalog", "one year's realisations both by quarter and by month"),
    "E576": Code("catalog", "an updates file with too many records"),
    "E577": Code("catalog", "a new indicator for a code of no program, kegiatan or sub kegiatan"),
    "E550": Code("catalog", "a file over the 4 MB limit"),
    "E551": Code("catalog", "both `x.yaml` and `x.yml`"),
    "E580": Code("catalog", "a dataset file or value that does not fit the columnar layout"),
    "E590": Code("catalog", "a catalog refused: it does not load or does not check"),
    # write and output
    "E560": Code("write", "a file that cannot be written"),
    "E601": Code("output", "an output of the command line that cannot be written"),
    # service: the Python facade and the HTTP service (docs/service.md)
    "E701": Code("service", "an unknown id (catalog, indicator, finding), with suggestions"),
    "E702": Code("service", "an edit with a stale If-Match"),
    "E703": Code("service", "a request body over the limit"),
    "E704": Code("service", "a request that does not match its schema"),
    "E705": Code("service", "a request over its time budget, cancelled"),
    "E706": Code("service", "an edit without the service's token"),
    "E708": Code("service", "an internal error (a bug), reported without a traceback"),
    "E709": Code("service", "a body of an unsupported content type"),
    # web (formula_engine/web, api.set_formula)
    "E720": Code("service", "a formula change for a formula version the indicator does not have"),
    "E721": Code("service", "an uploaded workbook over the size limit"),
    "E722": Code("service", "a web form's edit without the service's token (log in first)"),
    "E723": Code("service", "a web form with a value that is not what the field expects"),
    # import: a workbook or CSV file a planner filled in (docs/planners-excel.md)
    "E800": Code("import", "a file that is not a readable workbook or CSV, or over a limit"),
    "E801": Code("import", "no sheet of the expected name"),
    "E802": Code("import", "a missing header, or a header column renamed"),
    "E803": Code("import", "an extra or hidden column, a hidden row, a value under no header"),
    "E804": Code("import", "text where a number belongs"),
    "E805": Code("import", "separators mixed up, misplaced or ambiguous (1,234.5; 1.234)"),
    "E806": Code("import", "a % sign on a value whose unit is not %"),
    "E807": Code("import", "a negative realisation"),
    "E808": Code("import", "an unknown indicator kode"),
    "E809": Code("import", "a year outside the plan"),
    "E810": Code("import", "a period that is not TW1-TW4 or Tahun"),
    "E811": Code("import", "a second row for the same indicator and period"),
    "E812": Code("import", "a formula cell"),
    "E813": Code("import", "merged cells"),
    "E814": Code("import", "a key column changed (indikator, satuan, target)"),
    "E815": Code("import", "an empty required cell"),
    "E816": Code("import", "a text over its limit"),
}
