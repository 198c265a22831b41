#!/usr/bin/env python3
"""Derive gold eligibility limits from the Chia and LCT brat corpora.

Run from the repository root (Python 3 standard library only):

    python3 Benchmarks/accuracy/derive_gold.py            # write the gold files
    python3 Benchmarks/accuracy/derive_gold.py --explain  # also list what could not be normalised

The shared data folder is $SHARED if set, else ../shared relative to the repository root.
Inputs:  <shared>/labelled/chia-dev/NCT*_{inc,exc}.{txt,ann}
         <shared>/labelled/lct/nic/<batch>/NCT*.{txt,ann}
         Benchmarks/accuracy/gold/overrides.tsv   (hand decisions, applied last)
Outputs: Benchmarks/accuracy/gold/chia.tsv, lct.tsv   (doc, parameter, value, basis, quote)
         Benchmarks/accuracy/gold/chia-docs.txt, lct-docs.txt (every document of each set)

What a value means is defined in <shared>/DESIGN.md, "Eligibility limits: what each value means".
In short: a limit is a bound on who may ENTER. An inclusion item states it; an exclusion item
implies the opposite bound (exclusion "LVEF < 45%" -> lvef_min_percent 45, basis exclusion). The
number is kept as written (no +1 for strictness), except ECOG, an integer scale, where ecog_max is
the highest allowed integer ("< 2" -> 1, exclusion ">= 3" -> 2).

How the automatic part works:
  * Chia: every `Has_value` relation whose Arg1 (Measurement, Person, Observation, ...) names one
    of the measures below; comparator(s) and number(s) are parsed out of the Value text. The list
    (inclusion / exclusion) is the file name (_inc / _exc). Chia often shows a lost ">=" / "<=" as
    "=" (see its README); that is read as the direction that makes sense for the measure.
  * LCT: every Observation / Age event with a `Numeric-Filter:` Eq-Comparison; the operator is the
    `Eq-Operator-Value` attribute. The list is the section heading that precedes the span.
  * Then gold/overrides.tsv is applied: every line a person read by hand and decided differently
    from (or in addition to) the automatic derivation. Actions:
        add      add this (doc, parameter, value) row
        remove   drop the automatic row with this value ("*" drops every row of the parameter)
        replace  the gold of (doc, parameter) is exactly the set of `replace` lines for it
    A stale override (remove that matches nothing, add that already exists) is reported and
    makes the exit status 1.
    For LVEF, ECOG, creatinine clearance and eGFR every line of every document that names the
    measure with a number was read by hand; for age, every line whose comparator was lost ("=")
    or missing, plus a sample; the decisions that differ from the automatic rows are in
    overrides.tsv, each with its reason.

Rows are unique per (doc, parameter, value); when inclusion and exclusion give the same value,
the inclusion row is kept.
"""

import argparse
import collections
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GOLD = os.path.join(HERE, "gold")

# Measure family -> (lower-bound parameter, upper-bound parameter). None: not a column.
FAMILIES = {
    "lvef": ("lvef_min_percent", "lvef_max_percent"),
    "ecog": ("ecog_min", "ecog_max"),
    "crcl": ("crcl_min_ml_min", None),
    "egfr": ("egfr_min_ml_min_1_73m2", None),
    "age": ("age_min_years", "age_max_years"),
    "weight": ("body_weight_min_kg", "body_weight_max_kg"),
    "platelets": ("platelets_min_10e9_l", None),
    "hemoglobin": ("hemoglobin_min_g_dl", None),
    "neutrophils": ("neutrophils_min_10e9_l", None),
}
PARAMETERS = sorted(p for pair in FAMILIES.values() for p in pair if p)

# ---------------------------------------------------------------------------------------------
# Measure names

ECOG_IN_LINE = re.compile(r"\bECOG\b|Eastern\s+Co-?operative|Zubrod", re.I)
AGE_UNIT = re.compile(r"\b(?:years?|yrs?|y|yo|y/o|y\.o|months?|mos?)\b|years?-?old|\d\s*y\b|\d+y\b", re.I)


def measure_family(kind, name, line, value_text="", around=""):
    """Map an annotated measure name (and its entity kind) to a measure family, or None.

    kind: brat type of the entity (Measurement, Person, Observation, Age, ...); line: the
    criterion line (ECOG must be named in it for a bare "performance status"); around: the text
    just before and after the name, to tell "glycated hemoglobin" or "fetal weight" apart."""
    n = " ".join(name.lower().split())
    ctx = (around or n).lower()
    if kind == "Age":
        return "age"
    if re.search(r"karnof|lansky|\bkps\b", n):
        return None
    if re.search(r"right ventric|\brvef\b|\brv\b", n):
        return None
    if re.search(r"ejection fraction|eject fraction|\blvef\b|\bl?v? ?ef\b", n):
        return "lvef"
    if re.search(r"\becog\b|eastern co-?operative|zubrod", n):
        return "ecog"
    if re.search(r"performance status|performance score|\bps\b", n) and ECOG_IN_LINE.search(line) \
            and not re.search(r"karnof|\bkps\b|lansky", ctx):
        return "ecog"
    if re.search(r"creatinine clearance|\bcr ?cl\b|\bcl ?cr\b|\bccr\b|cockcroft", n):
        return "crcl"
    if re.search(r"\be?gfr\b|glomerular filtration", n):
        return "egfr"
    if re.search(r"platelet|\bplts?\b|thrombocyte", n) and not re.search(r"aggregat|function|reactiv|transfus", ctx):
        return "platelets"
    if re.search(r"neutrophil|\banc\b|granulocyte", n) and "%" not in value_text:
        return "neutrophils"
    if re.search(r"h(a)?emoglobin|\bhb\b|\bhgb\b", n) and not re.search(
            r"a1c|hba|glyc|oxyh|saturat|electrophoresis|change|drop|decrease|increase|fall", ctx):
        return "hemoglobin"
    if re.search(r"\bweight\b|\bweighing\b|\bweigh\b|\bweighs\b", n) and not re.search(
            r"birth|fetal|foetal|gain|loss|lose|lost|excess|fluctuat|change|height|z-?score|estimat|ideal|"
            r"percentile|-for-|molecular|lean|dry weight|stable", ctx):
        return "weight"
    if kind in ("Person", "Measurement", "Observation") and is_age_name(kind, n, value_text):
        return "age"
    return None


def is_age_name(kind, n, value_text):
    """An age: Person 'age', 'aged', 'years old', or a Person 'women'/'men' whose value is in years."""
    if re.search(r"life|expectan|gestation|postnatal|post-natal|bone|menstrua|duration|weight|"
                 r"\bbmi\b|cage|stage|height|waist|onset|diagnos|menarche|menopaus", n):
        return False
    if kind != "Person":
        return bool(re.fullmatch(r"(?:the )?(?:patient'?s |subject'?s )?(?:ages?|aged)", n))
    if re.search(r"\bage[sd]?\b|\byears?\b|\byrs?\b|\bold(er)?\b|\by\.?o\.?\b|\byo\b|years-old|\bborn\b|"
                 r"\baging\b|\bunder\b|\bover\b|^y$|\d", n):
        return bool(re.search(r"\d|\b(?:one|two|six|ten|twelve|eighteen)\b", value_text, re.I))
    if re.search(r"\b(wo)?m[ae]n\b|females?|males?|\bpatients?\b|\bsubjects?\b|\badults?\b|"
                 r"children|\bboys?\b|\bgirls?\b|infants?|participants?|volunteers?", n):
        return bool(AGE_UNIT.search(value_text))
    return False


# ---------------------------------------------------------------------------------------------
# Numbers, comparators and units in free text

WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
                "eighteen": 18, "twenty": 20, "zero": 0}
NUMBER = re.compile(r"(?<![A-Za-z0-9.,])(\d{1,3}(?:,\d{3})+(?![\d,])|"
                    r"\d{1,3}(?: (?!10[3-9]\s*/)\d{3})+(?=\s*(?:/|per\b|cells?\b|cels\b|elements\b))|"
                    r"\d+(?:[.,]\d+)?|(?:%s)\b)" % "|".join(WORD_NUMBERS), re.I)
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")

# Comparators written before a number: (pattern, op), tried in this order.
# LOST is Chia's "=" (a ">=" or "<=" lost when the text was extracted, see its README).
PREFIX_COMPARATORS = [
    (r"greater than or equal(?: to)?|greater or equal(?: to)?|"
     r"equal to or (?:greater|more|higher|over|above|superior)(?: than| to)?|"
     r"equal or (?:greater|superior|more|higher|above)(?: than| to)?|more than or equal(?: to)?|"
     r"higher than or equal(?: to)?|superior or equal(?: to)?|greater than/equals? to|older than or equal(?: to)?|"
     r"at least|not less than|no less than|not lower than|no lower than|not younger than|minimum(?: of)?|"
     r"min\.?|or older|and more|≥\s*=?|=>|>=|>/=|> /=|>_|> or =|> =|=/>|⩾|≧|³", "GE"),
    (r"less than or equal(?: to)?|less or equal(?: to)?|equal to or (?:less|lower|below|under|inferior)(?: than| to)?|"
     r"equal or (?:less|lower|inferior|below)(?: than| to)?|lower than or equal(?: to)?|younger than or equal(?: to)?|"
     r"not more than|no more than|not greater than|no greater than|not higher than|not exceeding|"
     r"not older than|no older than|up to(?: the age of| age)?|until(?: the age of| age)?|maximum(?: of)?|max\.?|"
     r"(?:from )?birth (?:to|-|until)|≤\s*=?|=<|<=|</=|< /=|<_|< or =|< =|⩽|≦", "LE"),
    (r"greater than|more than|higher than|older than|above(?: the age of)?|over(?: the age of)?|"
     r"exceeding|in excess of|superior to|beyond|>|＞", "GT"),
    (r"less than|lower than|younger than|fewer than|below(?: the age of)?|under(?: the age of)?|"
     r"inferior to|before(?: the age of)?|<|＜|˂", "LT"),
    (r"=|equal to|equals", "LOST"),
]
PREFIX_RE = [(re.compile(r"(?:%s)\s*$" % pat, re.I), op) for pat, op in PREFIX_COMPARATORS]
SUFFIX_COMPARATORS = [
    (r"^\s*(?:[^\s\d,;]+\s+){0,3}?(?:or|and|&)\s+(?:older|more|greater|above|higher|over|up|longer|beyond)\b|"
     r"^\s*(?:years?|yrs?)?\s*\+|^\s*(?:years?|yrs?|y)?\s*(?:old\s+)?over\b|^\s*(?:years?|yrs?)\s+or\s+older", "GE"),
    (r"^\s*(?:[^\s\d,;]+\s+){0,3}?(?:or|and|&)\s+(?:less|younger|below|lower|under|fewer)\b", "LE"),
]
SUFFIX_RE = [(re.compile(pat, re.I), op) for pat, op in SUFFIX_COMPARATORS]
RANGE_SEP = re.compile(r"(?:-|–|—|~|～|\bto\b|\band\b|\bthrough\b|\bthru\b|\buntil\b)\s*(?:=\s*)?$", re.I)
LIST_SEP = re.compile(r"^\s*(?:,|or|,\s*or|and|/)\s*$", re.I)
RELATIVE = re.compile(r"\buln\b|\bunl\b|upper limit|lower limit|\blln\b|\btimes\b|\bfold\b|normal|"
                      r"\d\s*[x×]\s*(?:the\s+)?(?:u|n)|percentile|standard deviation|\bsd\b|predicted", re.I)


def normalise_text(text):
    """Decode Chia's '<U+2265>' escapes and odd spaces."""
    text = re.sub(r"<U\+([0-9A-Fa-f]{4})>", lambda m: chr(int(m.group(1), 16)), text)
    return text.replace("\u2009", " ").replace("\xa0", " ").replace("\u202f", " ")


def parse_number(token):
    """'1,5' -> 1.5; '100,000' and '100 000' -> 100000; '150.000' stays 150.0 (callers judge magnitude)."""
    t = token.lower()
    if t in WORD_NUMBERS:
        return float(WORD_NUMBERS[t])
    if re.fullmatch(r"\d{1,3}(?:[, ]\d{3})+", t):
        return float(t.replace(",", "").replace(" ", ""))
    return float(t.replace(",", "."))


def find_numbers(text):
    """[(start, end, number)] of a text, skipping the parts of units such as '10^9/L', '109/L'
    (a lost superscript), '/1.73 m2' and 'min-1'."""
    out = []
    for m in NUMBER.finditer(text):
        before, after, tok = text[:m.start()], text[m.end():], m.group(1)
        if re.search(r"(?:[x×*]|\bx)\s*$", before) and re.fullmatch(r"10(?:[3-9]|1[0-2])?", tok):
            continue  # x 10^9, x 109 (lost superscript)
        if re.fullmatch(r"10[3-9]", tok) and re.match(r"\s*(?:cells?\s*|cels\s*)?/\s*(?:l|µl|ul|ml|mm|mcl)", after, re.I):
            continue  # "100 109/l"
        if re.search(r"10\s*(?:\^|\*\*|e)\s*$|(?:\^|\*\*)\s*$|[A-Za-z]\s*\^?\s*-\s*$", before):
            continue  # the exponent itself, "min-1"
        if re.fullmatch(r"1[.,]7\d?", tok) and re.match(r"\s*(?:m|sq)", after, re.I):
            continue  # per 1.73 m2
        if re.match(r"\s*(?:m2|m²|m\^2)", after) and re.search(r"/\s*$", before):
            continue
        out.append((m.start(), m.end(), parse_number(tok)))
    return out


def prefix_op(prefix):
    """(op, start of the comparator in prefix) for the comparator that ends prefix, or (None, len)."""
    p = prefix.rstrip(" :(")
    for rx, op in PREFIX_RE:
        m = rx.search(p)
        if m:
            return op, m.start()
    return None, len(prefix)


def parse_constraints(text, before="", after="", family=None):
    """Parse a value text into (constraints, note).

    constraints: list of (op, number, unit_text, kind) with op in GE GT LE LT LOST BARE (no
    comparator found); kind 'range-lo' / 'range-hi' for the ends of "18-65", "between 18 and
    65"; 'list' for "0, 1 or 2"; else ''. before / after: the line text around the value span
    (Chia's Value spans sometimes leave the comparator out: "> [18 years] old").
    note says why nothing came out (or is '')."""
    text = normalise_text(text)
    if family == "ecog":
        text = re.sub(r"(\d),(\d)", r"\1, \2", text)
    text = re.sub(r"\b(to|and|or|age|aged)(?=\d)", r"\1 ", text, flags=re.I)
    if RELATIVE.search(text):
        return [], "relative to normal/ULN"
    nums = find_numbers(text)
    if not nums:
        return [], "no number"
    before_tail = re.split(r"[,;()\d]", normalise_text(before))[-1]
    after_head = re.split(r"[,;()]|\d", normalise_text(after))[0]
    items = []
    for i, (s, e, v) in enumerate(nums):
        prefix = text[nums[i - 1][1] if i else 0:s]
        suffix = text[e:nums[i + 1][0] if i + 1 < len(nums) else len(text)]
        if i == 0 and not re.search(r"[^\s(]", prefix):
            prefix = before_tail + prefix
        if i + 1 == len(nums):
            suffix = suffix + after_head
        op, op_start = prefix_op(prefix)
        if op is None and i == 0 and re.fullmatch(r"\s*to\s*", prefix, re.I):
            op, op_start = "LE", 0  # Chia Value "to 80 years" (the lower end is another span)
        if op is None:
            for rx, o in SUFFIX_RE:
                if rx.search(suffix):
                    op = o
                    break
        items.append({"op": op or "BARE", "v": v, "prefix": prefix, "suffix": suffix,
                      "op_start": op_start, "unit": suffix, "kind": ""})
    # ranges: "18-65", "between 18 and 65", "= 18 to = 65", "5 years to less than 12 years"
    for a, b in zip(items, items[1:]):
        gap = a["suffix"][:b["op_start"]] if b["op"] != "BARE" else a["suffix"]
        m = RANGE_SEP.search(gap)
        if not m:
            continue
        unit_between = gap[:m.start()]
        if re.search(r"[\d,;]", unit_between) or len(unit_between) > 25:
            continue
        both_open = a["op"] in ("BARE", "LOST") and b["op"] in ("BARE", "LOST")
        open_to_upper = a["op"] == "BARE" and b["op"] in ("LT", "LE") and not re.search(r"\band\b", gap[m.start():], re.I)
        if not (both_open or open_to_upper):
            continue
        a["op"], a["kind"] = "GE", "range-lo"
        if both_open:
            b["op"], b["kind"] = "LE", "range-hi"
        a["unit"] = unit_between if re.search(r"[a-z%]", unit_between, re.I) else b["suffix"]
    for it in items:
        if it["op"] == "BARE" and re.search(r"\bfrom\s*$", it["prefix"], re.I):
            it["op"] = "GE"  # "from 18 years" (no upper end)
    if len(items) >= 2 and items[0]["op"] in ("BARE", "LOST") and all(it["op"] == "BARE" for it in items[1:]) and \
            all(LIST_SEP.match(re.sub(r"\s+", " ", it["suffix"]) or ",") for it in items[:-1]):
        for it in items:
            it["kind"] = "list"
    return [(it["op"], it["v"], it["unit"], it["kind"]) for it in items], ""


# ---------------------------------------------------------------------------------------------
# Units


def convert(family, value, unit_text):
    """Convert a number to the column's unit. Returns (value or None, note)."""
    u = normalise_text(unit_text).lower().translate(SUPERSCRIPTS)
    if family == "age":
        if re.match(r"^[\s\-]*(?:\(\s*)?(?:months?|mos?|m\b|mths?)", u):
            return value / 12.0, "months"
        if re.match(r"^[\s\-]*(?:weeks?|wks?|days?|d\b|hours?|hrs?|h\b)", u):
            return None, "age in weeks/days (not converted)"
        return value, ""
    if family == "weight":
        if re.match(r"^\s*(?:lbs?|pounds?)\b", u):
            return round(value * 0.45359237, 1), "pounds"
        if re.match(r"^\s*(?:g|grams?)\b", u):
            return value / 1000.0, "grams"
        return value, ""
    if family == "platelets":
        if re.match(r"^\s*(?:[x×*]\s*)?10\s*(?:\^|\*\*|e)?\s*4\b|^\s*万", u):
            return value * 10, "x10^4/uL"
        if value >= 1000:
            return value / 1000.0, "per uL"
        return value, ""
    if family == "neutrophils":
        if value >= 100:
            return value / 1000.0, "per uL"
        return value, ""
    if family == "hemoglobin":
        if re.match(r"^\s*mmol", u):
            return round(value * 1.611, 1), "mmol/L"
        if value > 25:
            return value / 10.0, "g/L"
        return value, ""
    if family == "crcl":
        if re.match(r"^\s*ml\s*/\s*s(ec)?\b", u):
            return value * 60, "mL/s"
        if re.match(r"^\s*%", u):
            return None, "percent is not a clearance"
        return value, ""
    if family == "lvef":
        if re.match(r"^\s*(?:ml|mm|cm|ms)\b", u) or value > 100:
            return None, "not a percentage"
        return value, ""
    if family == "ecog":
        if value > 5 or value != int(value):
            return None, "not an ECOG grade"
        return value, ""
    return value, ""


# ---------------------------------------------------------------------------------------------
# From comparator to the parameter a clinician would fill in


def lost_direction(family, value):
    """Chia's '=' (and LCT's rare EQ): which bound it most likely was. Every such line of the
    four main measures and of age was read by hand; overrides.tsv holds the exceptions."""
    if family in ("lvef", "crcl", "egfr", "platelets", "hemoglobin", "neutrophils"):
        return "lower"
    if family == "ecog":
        return "upper"
    if family == "age":
        return "lower" if value < 40 else "upper"
    if family == "weight":
        return "lower" if value < 60 else "upper"
    return None


def bounds(family, op, value, basis, kind=""):
    """(parameter, value) pairs implied by one constraint of a measure on an inclusion or
    exclusion list, or [] when it implies no entry limit of our columns."""
    lo_param, hi_param = FAMILIES[family]
    exc = basis == "exclusion"
    if family == "ecog":
        return ecog_bounds(op, int(value), exc, kind)
    if op == "BARE":
        return []
    if op == "LOST":
        param = lo_param if lost_direction(family, value) == "lower" else hi_param
    elif kind.startswith("range") and exc:
        return []  # excluding a band ("eGFR 30-60") says nothing clean about entry
    elif op in ("GE", "GT"):
        param = hi_param if exc else lo_param
    else:
        param = lo_param if exc else hi_param
    if param is None or (family == "age" and param == lo_param and value == 0):
        return []
    return [(param, value)]


def ecog_bounds(op, n, exc, kind):
    """ECOG is an integer scale: ecog_max is the highest allowed grade."""
    if kind.startswith(("list", "range")):
        if exc:  # excluded "3-4" / "3 or 4": the lowest excluded grade minus one
            return [("ecog_max", n - 1)] if kind in ("list-lo", "range-lo") and n >= 1 else []
        if kind in ("range-hi", "list-hi"):
            return [("ecog_max", n)]
        return [("ecog_min", n)] if n > 0 and kind in ("range-lo", "list-lo") else []
    if not exc:
        return {"GE": [("ecog_min", n)] if n > 0 else [], "GT": [("ecog_min", n + 1)],
                "LE": [("ecog_max", n)], "LT": [("ecog_max", n - 1)], "LOST": [("ecog_max", n)],
                "BARE": [("ecog_max", n)] + ([("ecog_min", n)] if n > 0 else [])}[op]
    return {"GE": [("ecog_max", n - 1)], "GT": [("ecog_max", n)], "LOST": [("ecog_max", n - 1)],
            "BARE": [("ecog_max", n - 1)], "LE": [("ecog_min", n + 1)], "LT": [("ecog_min", n)]}[op]


def constraints_to_rows(family, constraints, basis, bare_is_lost=False):
    """[(parameter, value, note)] and notes for the parsed constraints of one annotated value.
    bare_is_lost: a number with no comparator at all is read like Chia's lost '=' (ages only)."""
    rows, notes = [], []
    items = list(constraints)
    listed = [c for c in items if c[3] == "list"]
    if listed:
        if family != "ecog":
            return [], ["list of values"]
        vals = sorted(c[1] for c in listed)
        items = [("BARE", vals[0], "", "list-lo"), ("BARE", vals[-1], "", "list-hi")]
    for op, v, unit_text, kind in items:
        if op == "BARE" and bare_is_lost and family == "age":
            op = "LOST"
        value, note = convert(family, v, unit_text)
        if value is None:
            notes.append(note)
            continue
        got = bounds(family, op, value, basis, kind)
        if not got and not (value == 0 and kind.endswith("lo")):
            notes.append("no bound for %s %s" % (op, fmt(value)))
        rows.extend((p, val, note) for p, val in got)
    return rows, notes


def fmt(value):
    """A plain decimal: 45, 1.5, 0.25 (at most 4 decimals)."""
    s = ("%.4f" % float(value)).rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s

# ---------------------------------------------------------------------------------------------
# brat reading


def read_text(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def line_bounds(text, offset):
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, (len(text) if end < 0 else end)


def line_at(text, offset):
    """The criterion line (trimmed, tabs/CR/LF as spaces, at most 300 chars) around an offset."""
    start, end = line_bounds(text, offset)
    return clean_quote(text[start:end])


def clean_quote(s):
    return re.sub(r"[\t\r\n]+", " ", s).strip()[:300]


def parse_ann(path):
    """T, E, A and R lines of a brat .ann: returns (spans, events, attrs, rels)."""
    spans, events, attrs, rels = {}, {}, {}, []
    for raw in read_text(path).split("\n"):
        line = raw.rstrip("\r")
        if not line:
            continue
        if line[0] == "T":
            tid, mid, covered = (line.split("\t", 2) + [""])[:3]
            kind, locs = mid.split(" ", 1)
            frags = [tuple(int(x) for x in f.split()) for f in locs.split(";")]
            spans[tid] = {"type": kind, "start": frags[0][0], "end": frags[-1][1], "text": covered}
        elif line[0] == "E":
            eid, body = line.split("\t", 1)
            args = [a.split(":", 1) for a in body.split()]
            events[eid] = {"type": args[0][0], "trigger": args[0][1], "args": args[1:]}
        elif line[0] == "A":
            m = re.match(r"A\d+\t(\S+) (\S+)(?: (\S+))?", line)
            if m:
                attrs.setdefault(m.group(2), {})[m.group(1)] = m.group(3)
        elif line[0] == "R":
            parts = line.split("\t")[1].split()
            rels.append((parts[0], parts[1].split(":", 1)[1], parts[2].split(":", 1)[1]))
    return spans, events, attrs, rels


def context(text, span, width=30):
    """Text of the same line just before and just after a span."""
    ls, le = line_bounds(text, span["start"])
    return text[max(ls, span["start"] - width):span["start"]], text[span["end"]:min(le, span["end"] + width)]


# ---------------------------------------------------------------------------------------------
# Chia


def chia_rows(shared, explain):
    """Automatic gold rows of Chia: ({doc: [(parameter, value, basis, quote, note)]}, docs)."""
    folder = os.path.join(shared, "labelled", "chia-dev")
    trials = sorted({os.path.basename(p)[:11] for p in glob.glob(os.path.join(folder, "NCT*_inc.txt"))})
    out = collections.defaultdict(list)
    for trial in trials:
        doc = "labelled/chia-dev/" + trial
        for suffix, basis in (("_inc", "inclusion"), ("_exc", "exclusion")):
            base = os.path.join(folder, trial + suffix)
            text = read_text(base + ".txt")
            spans, _, _, rels = parse_ann(base + ".ann")
            for rel, a, b in rels:
                if rel != "Has_value" or a not in spans or b not in spans:
                    continue
                ent, val = spans[a], spans[b]
                line = line_at(text, val["start"])
                around = "%s[%s]%s" % (context(text, ent, 25)[0], ent["text"], context(text, ent, 25)[1])
                family = measure_family(ent["type"], ent["text"], line, val["text"], around)
                if family is None:
                    continue
                before, after = context(text, val)
                constraints, note = parse_constraints(val["text"].rstrip("\r"), before, after, family)
                rows, notes = constraints_to_rows(family, constraints, basis, bare_is_lost=True) \
                    if constraints else ([], [note])
                for p, v, n in rows:
                    out[doc].append((p, v, basis, line, n))
                if explain and (not rows or notes or any(c[0] in ("LOST", "BARE") for c in constraints)):
                    print("chia\t%s%s\t%s\t%s=%r\t%s -> %s\t%s" % (
                        trial, suffix, family, ent["text"], val["text"], "; ".join(notes) or "ok",
                        ",".join("%s=%s" % (p, fmt(v)) for p, v, _ in rows), line[:150]), file=sys.stderr)
    return out, ["labelled/chia-dev/" + t for t in trials]


# ---------------------------------------------------------------------------------------------
# LCT

HEADING_EXC = re.compile(r"\bexclu(?:sion|sions|ded|de|ding|sionary)\b|non-inclusion|not be (?:eligible|included)|"
                         r"none of the following", re.I)
HEADING_INC = re.compile(r"\binclu(?:sion|sions|ded)\b|\binclution\b|\beligible\b", re.I)


def lct_sections(text):
    """[(offset, basis)] for each heading line: an unindented line that names inclusion or
    exclusion (but not both, as "Other inclusion/exclusion criteria may apply" does)."""
    marks, pos = [], 0
    for line in text.split("\n"):
        if line and not line[0].isspace() and len(line) <= 200:
            exc, inc = HEADING_EXC.search(line), HEADING_INC.search(line)
            if exc and not (inc and re.search(r"inclusion\s*/\s*exclusion|in- and exclusion", line, re.I)):
                marks.append((pos, "exclusion"))
            elif inc and not exc:
                marks.append((pos, "inclusion"))
        pos += len(line) + 1
    return marks


def basis_at(marks, offset):
    """The list an offset is on: the last heading before it (inclusion before any heading)."""
    basis = "inclusion"
    for pos, b in marks:
        if pos <= offset:
            basis = b
    return basis


OPS = {"GTEQ": "GE", "GT": "GT", "LTEQ": "LE", "LT": "LT", "EQ": "LOST"}
SAME_DIRECTION = {"GE": ("GE", "GT"), "GT": ("GE", "GT"), "LE": ("LE", "LT"), "LT": ("LE", "LT")}


def lct_rows(shared, explain):
    """Automatic gold rows of LCT: ({doc: [(parameter, value, basis, quote, note)]}, docs)."""
    folder = os.path.join(shared, "labelled", "lct", "nic")
    docs = sorted(os.path.relpath(p, shared)[:-4] for p in glob.glob(os.path.join(folder, "*", "NCT*.txt")))
    out = collections.defaultdict(list)
    for doc in docs:
        path = os.path.join(shared, doc)
        text = read_text(path + ".txt")
        spans, events, attrs, _ = parse_ann(path + ".ann")
        marks = lct_sections(text)
        negated = {v for ev in events.values() if ev["type"] == "Negation"
                   for k, v in ev["args"] if k.startswith("Negates")}
        for eid, ev in sorted(events.items()):
            filters = [v for k, v in ev["args"] if k.startswith("Numeric-Filter")]
            trig = spans.get(ev["trigger"])
            if ev["type"] not in ("Observation", "Age") or not filters or trig is None:
                continue
            name_spans = [spans[v] for k, v in ev["args"] if k.startswith("Name") and v in spans] or [trig]
            names = " / ".join(s["text"] for s in name_spans)
            line = line_at(text, trig["start"])
            b, a = context(text, name_spans[0], 25)
            around = "%s[%s]%s" % (b, name_spans[0]["text"], a)
            for fid in filters:
                cmp_ev = events.get(fid)
                if cmp_ev is None or cmp_ev["type"] != "Eq-Comparison":
                    continue
                family = measure_family(ev["type"], names, line, comparison_text(cmp_ev, spans), around)
                if family is None:
                    continue
                anchor = comparison_anchor(cmp_ev, spans)
                basis = basis_at(marks, anchor)
                if eid in negated:  # "Are not between 18 and 50 years of age" under Exclusion
                    basis = "inclusion" if basis == "exclusion" else "exclusion"
                rows, notes = rows_for_basis(family, cmp_ev, spans, attrs, text, basis)
                how = "text" if "from text" in notes else "annotation"
                for p, v, n in rows:
                    out[doc].append((p, v, basis, line_at(text, anchor), n))
                if explain and (not rows or notes or how != "annotation"):
                    print("lct\t%s\t%s\t%s=%r\t%s (%s) -> %s\t%s" % (
                        doc, family, names, comparison_text(cmp_ev, spans), "; ".join(notes) or "ok", how,
                        ",".join("%s=%s" % (p, fmt(v)) for p, v, _ in rows), line_at(text, anchor)[:150]),
                        file=sys.stderr)
    return out, docs


def comparison_text(cmp_ev, spans):
    s = spans.get(cmp_ev["trigger"])
    return s["text"] if s else ""


def arg_spans(cmp_ev, spans, key):
    return [spans[v] for k, v in cmp_ev["args"] if re.fullmatch(key + r"\d*", k) and v in spans]


def comparison_anchor(cmp_ev, spans):
    """Offset of a comparison: its first value, else its own span."""
    values = arg_spans(cmp_ev, spans, "Value")
    trig = spans.get(cmp_ev["trigger"])
    return values[0]["start"] if values else (trig["start"] if trig else 0)


def rows_for_basis(family, cmp_ev, spans, attrs, text, basis):
    """Rows of one Eq-Comparison of a measure on a list: (rows, notes).

    The operator attribute is used, unless the operator's own words say the opposite
    direction ("at least" annotated LTEQ, "below" annotated GT: a few such slips). When the
    annotation gives no usable number or operator, the comparison's text is parsed instead."""
    constraints, notes = annotated_constraints(family, cmp_ev, spans, attrs, text)
    if constraints:
        rows, more = constraints_to_rows(family, constraints, basis)
        if rows:
            return rows, notes + more
        notes = notes + more
    # fall back to the words of the comparison (and its line)
    trig = spans.get(cmp_ev["trigger"])
    if trig is None:
        return [], notes
    before, after = context(text, trig)
    constraints, note = parse_constraints(trig["text"], before, after, family)
    rows, more = constraints_to_rows(family, constraints, basis) if constraints else ([], [note])
    return rows, notes + ["from text"] + more


def annotated_constraints(family, cmp_ev, spans, attrs, text):
    """Constraints from the Operator / Value / Unit / Temporal-Unit arguments, or ([], notes)."""
    args = cmp_ev["args"]
    values = arg_spans(cmp_ev, spans, "Value")
    tunits = [attrs.get(v, {}).get("Eq-Temporal-Unit-Value", "") for k, v in args if k.startswith("Temporal-Unit")]
    if family != "age" and (tunits or arg_spans(cmp_ev, spans, "Temporal-Period")):
        return [], ["a time, not a value"]
    if not values:
        return [], ["no value"]
    op_spans = [(spans[v], attrs.get(v, {}).get("Eq-Operator-Value", "")) for k, v in args
                if k.startswith("Operator") and v in spans]
    op_attr = op_spans[0][1] if op_spans else ""
    op_attr = "BETWEEN" if op_attr.startswith("BETWEEN") else op_attr
    nums = []
    for s in values:
        found = find_numbers(normalise_text(s["text"]))
        if not found or (re.fullmatch(r"1[.,]7\d?", s["text"].strip()) and
                         re.match(r"\s*(?:m|sq)", text[s["end"]:s["end"] + 5], re.I)):
            continue  # a "1.73" of "/1.73 m2" annotated as a value
        if re.fullmatch(r"10[3-9]|10\^?\d+", s["text"].strip()) and \
                re.search(r"[x×*]\s*$", text[max(0, s["start"] - 4):s["start"]], re.I):
            continue  # the "109" of "x 109/L" (a lost superscript) annotated as a value
        nums.append(found[0][2])
    if not nums:
        return [], ["value not a number"]
    last = values[-1]
    ls, le = line_bounds(text, last["start"])
    if family != "age" and RELATIVE.search(text[values[0]["start"]:min(le, last["end"] + 25)]):
        return [], ["relative to normal/ULN"]
    unit_text = " ".join(s["text"] for s in arg_spans(cmp_ev, spans, "Unit") + arg_spans(cmp_ev, spans, "Per")) \
        or text[last["end"]:min(le, last["end"] + 30)]
    if family == "age":
        unit_text = {"month": "months", "week": "weeks", "day": "days", "hour": "hours",
                     "year": "years"}.get(tunits[0] if tunits else "", unit_text)
    notes = []
    if op_attr == "BETWEEN" or (not op_attr and len(nums) == 2):
        if len(nums) < 2:
            return [], ["BETWEEN with one value"]
        lo, hi = sorted(nums[:2])
        return [("GE", lo, unit_text, "range-lo"), ("LE", hi, unit_text, "range-hi")], notes
    if op_attr not in OPS and op_attr:
        return [], ["operator " + op_attr]
    if not op_attr:
        return [("BARE", v, unit_text, "") for v in nums], ["no operator"]
    op = OPS[op_attr]
    said, _ = prefix_op(op_spans[0][0]["text"])
    if said in SAME_DIRECTION and op in SAME_DIRECTION and op not in SAME_DIRECTION[said]:
        notes.append("operator %r annotated %s" % (op_spans[0][0]["text"], op_attr))
        op = said
    return [(op, v, unit_text, "") for v in nums], notes


# ---------------------------------------------------------------------------------------------
# Overrides and output

OVERRIDE_COLUMNS = ["doc", "parameter", "action", "value", "basis", "quote", "reason"]


def read_overrides(path):
    """Overrides as a list of dicts (empty if the file does not exist)."""
    if not os.path.exists(path):
        return []
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != OVERRIDE_COLUMNS:
            sys.exit("overrides.tsv: header must be %s" % "\t".join(OVERRIDE_COLUMNS))
        for n, line in enumerate(f, 2):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            if len(cells) != len(OVERRIDE_COLUMNS):
                sys.exit("overrides.tsv line %d: %d columns, want %d" % (n, len(cells), len(OVERRIDE_COLUMNS)))
            row = dict(zip(OVERRIDE_COLUMNS, cells))
            if row["action"] not in ("add", "remove", "replace") or row["parameter"] not in PARAMETERS:
                sys.exit("overrides.tsv line %d: bad action or parameter" % n)
            if row["action"] != "remove" or row["value"] != "*":
                row["value"] = fmt(float(row["value"]))
            rows.append(row)
    return rows


def dedupe(rows_by_doc):
    """{doc: {(parameter, value): (basis, quote)}}: one row per value, inclusion first."""
    out = {}
    for doc, rows in rows_by_doc.items():
        d = {}
        for p, v, basis, quote, _ in sorted(rows, key=lambda r: (r[2] != "inclusion",)):
            d.setdefault((p, fmt(v)), (basis, quote))
        out[doc] = d
    return out


def apply_overrides(gold, overrides, docs):
    """Apply add / remove / replace lines to {doc: {(parameter, value): (basis, quote)}}."""
    problems = []
    replaced = set()
    docset = set(docs)
    for o in overrides:
        doc, p, v = o["doc"], o["parameter"], o["value"]
        if doc not in docset:
            continue
        rows = gold.setdefault(doc, {})
        if o["action"] == "replace":
            if (doc, p) not in replaced:
                for key in [k for k in rows if k[0] == p]:
                    del rows[key]
                replaced.add((doc, p))
            rows[(p, v)] = (o["basis"], clean_quote(o["quote"]))
        elif o["action"] == "add":
            if (p, v) in rows:
                problems.append("stale add (already derived): %s %s %s" % (doc, p, v))
            rows[(p, v)] = (o["basis"], clean_quote(o["quote"]))
        else:
            keys = [k for k in rows if k[0] == p and (v == "*" or k[1] == v)]
            if not keys:
                problems.append("stale remove (nothing to remove): %s %s %s" % (doc, p, v))
            for key in keys:
                del rows[key]
    return problems


def write_gold(path, gold):
    lines = ["doc\tparameter\tvalue\tbasis\tquote"]
    for doc in sorted(gold):
        for (p, v), (basis, quote) in sorted(gold[doc].items(), key=lambda kv: (kv[0][0], float(kv[0][1]))):
            lines.append("\t".join([doc, p, v, basis, quote]))
    write_file(path, "\n".join(lines) + "\n")


def write_file(path, content):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(content)
    os.replace(tmp, path)


def counts_table(sets):
    """Rows per parameter per set and how many docs have each parameter."""
    out = ["%-24s %12s %12s %12s %12s" % ("parameter", "chia rows", "chia docs", "lct rows", "lct docs")]
    for p in PARAMETERS:
        cells = []
        for name in ("chia", "lct"):
            gold = sets[name]
            rows = sum(1 for d in gold for k in gold[d] if k[0] == p)
            ndocs = sum(1 for d in gold if any(k[0] == p for k in gold[d]))
            cells += [rows, ndocs]
        out.append("%-24s %12d %12d %12d %12d" % tuple([p] + cells))
    tot = []
    for name in ("chia", "lct"):
        gold = sets[name]
        tot += [sum(len(gold[d]) for d in gold), sum(1 for d in gold if gold[d])]
    out.append("%-24s %12d %12d %12d %12d" % tuple(["all"] + tot))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--explain", action="store_true",
                    help="list (on stderr) annotated values of the measures that gave no gold row")
    ap.add_argument("--no-overrides", action="store_true",
                    help="count the automatic derivation alone (writes nothing)")
    args = ap.parse_args()
    shared = os.environ.get("SHARED") or os.path.join(os.path.dirname(REPO), "shared")
    if not os.path.isdir(os.path.join(shared, "labelled")):
        sys.exit("shared folder not found: %s (set SHARED)" % shared)
    os.makedirs(GOLD, exist_ok=True)
    overrides = [] if args.no_overrides else read_overrides(os.path.join(GOLD, "overrides.tsv"))
    sets = {}
    problems = []
    for name, derive in (("chia", chia_rows), ("lct", lct_rows)):
        auto, docs = derive(shared, args.explain)
        gold = dedupe(auto)
        problems += apply_overrides(gold, overrides, docs)
        gold = {d: r for d, r in gold.items() if r}
        sets[name] = gold
        if not args.no_overrides:
            write_gold(os.path.join(GOLD, name + ".tsv"), gold)
            write_file(os.path.join(GOLD, name + "-docs.txt"), "\n".join(docs) + "\n")
        print("%s: %d documents, %d with gold rows" % (name, len(docs), len(gold)))
    print()
    print(counts_table(sets))
    per_param = collections.Counter(o["parameter"] for o in overrides)
    print()
    print("overrides applied: %d (%s)" % (len(overrides), ", ".join("%s %d" % kv for kv in sorted(per_param.items()))))
    for p in problems:
        print("WARNING:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
