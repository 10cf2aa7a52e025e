"""Value rules of the data contract: each parser turns a raw cell into a clean value or says why not.

A parser returns the clean value, or raises :class:`Invalid` with what is wrong and how to fix it;
repairs that do not block the import are reported through :class:`Repaired` (value + warning).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from iekg.loaders import vocab as _vocab
from iekg.loaders.vocab import Vocabulary


class Invalid(ValueError):
    def __init__(self, problem: str, fix: str, code: str = "invalid") -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix
        self.code = code


@dataclass
class Repaired:
    value: Any
    warning: str
    code: str = "repaired"


LIST_SEPARATORS = re.compile(r"[;；、]")

# Invisible characters: every format character (Unicode category Cf: zero-width space/non-joiner/joiner
# U+200B–U+200D, LRM/RLM, word joiner U+2060 …, a BOM U+FEFF inside text, soft hyphen U+00AD, tag characters)
# except the bidirectional embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069), which
# iekg.loaders.textrules refuses as control characters; plus the combining grapheme joiner and the Hangul
# fillers, which show as nothing.  Two ids that differ only by one of them look the same, so they are
# removed (with a warning, textrules.check_row).  (U+13439–U+1343F are format characters from Unicode 15.)
INVISIBLE = re.compile(
    "[\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u180e"
    "\u200b-\u200f\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]")


def drop_invisible(text: str) -> str:
    """``text`` without its :data:`INVISIBLE` characters."""
    return INVISIBLE.sub("", text)


def to_halfwidth(text: str) -> str:
    """NFKC folds full-width digits, letters and punctuation (０１Ａ（） → 01A()), keeps CJK; invisible
    characters (:data:`INVISIBLE`, e.g. a zero-width space in a header) are dropped."""
    return unicodedata.normalize("NFKC", INVISIBLE.sub("", text) if INVISIBLE.search(text) else text)


def clean(text: str) -> str:
    return to_halfwidth(text).strip()


def _digits(raw: str) -> str:
    s = clean(raw).replace(" ", "")
    # Excel often turns codes into numbers: 410100.0 or 4.1E+05 are still recognisable.
    if re.fullmatch(r"\d+\.0+", s):
        s = s.split(".")[0]
    return s


def city_code(raw: str) -> str:
    s = _digits(raw)
    if re.fullmatch(r"\d{6}", s):
        return s
    if re.fullmatch(r"\d{12}", s) and s.endswith("000000"):
        return Repaired(s[:6], f"12 位统计用区划代码 {s} 已截为 6 位 {s[:6]}")  # type: ignore[return-value]
    raise Invalid(f"城市代码应为 6 位数字 (GB/T 2260)，实为 '{raw}'", "填写 6 位行政区划代码，如 410100 (郑州市)")


def _padded(s: str, full: str | re.Pattern[str], short: str, zero: tuple[str, str], wrong: tuple[str, str]) -> str:
    """A code of fixed length: ``s`` when it matches ``full``; when it matches ``short`` (Excel dropped a
    leading zero) a ``leading_zero`` error with ``zero`` (message, fix); else the error ``wrong``."""
    if re.fullmatch(full, s):
        return s
    if re.fullmatch(short, s):
        raise Invalid(*zero, "leading_zero")
    raise Invalid(*wrong)


def inst_id(raw: str) -> str:
    s = _digits(raw)
    return _padded(s, r"\d{10}", r"\d{9}",
                   (f"学校标识码应为 10 位数字，实为 9 位 '{raw}' (前导零丢失?)", f"改为 0{s}，并将该列设为文本格式"),
                   (f"学校标识码应为 10 位数字，实为 '{raw}'", "填写教育部学校标识码 (10 位数字)，如 4141010459"))


MAJOR_RE = re.compile(r"\d{6}(T|K|TK)?|\d{7}(T|K|TK)")  # 0502100T: the catalogue's 7-digit codes


def major_code(raw: str) -> str:
    s = _digits(raw).upper()
    return _padded(s, MAJOR_RE, r"\d{5}(T|K|TK)?",
                   (f"专业代码应为 6 位数字 (可带 T/K)，实为 '{raw}'，像是丢失了前导零", f"改为 0{s}，并将该列设为文本格式"),
                   (f"专业代码应为 6 位数字 (可带 T/K 后缀)，实为 '{raw}'", "填写专业目录中的代码，如 080901 或 460701"))


def category_code(raw: str) -> str:
    s = _digits(raw)
    return _padded(s, r"\d{4}", r"\d{3}",
                   (f"专业类代码应为 4 位数字，实为 '{raw}'，像是丢失了前导零", f"改为 0{s}，并将该列设为文本格式"),
                   (f"专业类代码应为 4 位数字，实为 '{raw}'", "填写专业类代码，如 0809 (计算机类) 或 4607"))


def division_code(raw: str) -> str:
    s = _digits(raw)
    return _padded(s, r"\d{2}", r"\d", (f"专业大类代码应为 2 位数字，实为 '{raw}'", f"改为 0{s}"),
                   (f"专业大类代码应为 2 位数字，实为 '{raw}'", "填写 2 位专业大类 (门类) 代码，如 46"))


def industry_code(raw: str) -> str:
    s = _digits(raw).upper()
    if re.fullmatch(r"[A-T]|\d{2}|\d{3}|\d{4}", s):
        return s
    if re.fullmatch(r"\d", s):  # 大类 01–05 lose their zero in Excel: 05 → 5
        raise Invalid(f"行业代码应为 GB/T 4754-2017 门类字母或 2/3/4 位数字，实为 '{raw}'，像是丢失了前导零",
                      f"改为 0{s}，并将该列设为文本格式", "leading_zero")
    raise Invalid(f"行业代码应为 GB/T 4754-2017 门类字母或 2/3/4 位数字，实为 '{raw}'",
                  "填写国民经济行业分类代码，如 C、36、367 或 3670；编码列请设为文本格式")


# GB 32100-2015: 统一社会信用代码 alphabet (no I, O, Z, S, V) and weights.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def ent_id(raw: str) -> str:
    s = clean(raw).upper().replace(" ", "")
    if len(s) == 18:
        if not all(c in USCC_CHARS for c in s):
            bad = "".join(sorted({c for c in s if c not in USCC_CHARS}))
            raise Invalid(f"统一社会信用代码含有不允许的字符 '{bad}' (GB 32100-2015 不用 I、O、Z、S、V)",
                          "核对营业执照上的代码；没有信用代码的单位请使用不是 18 位的自编编号")
        expect = uscc_check_char(s[:17])
        if s[17] != expect:
            raise Invalid(f"统一社会信用代码 '{s}' 校验位错误：应为 '{expect}'，实为 '{s[17]}'",
                          "核对营业执照上的代码 (常见为抄错一位)；没有信用代码的单位请使用不是 18 位的自编编号",
                          "check_char")
        return s
    ident = own_id(raw)
    if len(s) in (17, 19) and s[:1] in "123456789ANY" and all(c in USCC_CHARS for c in s) \
            and sum(c.isdigit() for c in s) >= 12:
        return Repaired(ident, f"'{s}' 有 {len(s)} 位，像是{'少' if len(s) == 17 else '多'}了一位的统一社会信用代码；"  # type: ignore[return-value]
                               "已按自编编号处理", "uscc_length")
    return ident


def own_id(raw: str) -> str:
    s = clean(raw)
    if not s:
        raise Invalid("编号为空", "填写编号")
    if len(s) > 100:
        raise Invalid(f"编号过长：{len(s)} 个字符，编号最多 100 个字符 (id too long: {len(s)} characters > 100)",
                      "使用较短的编号 (检查是否把名称或整段文字填进了编号列)")
    return s


def year(raw: str) -> int:
    s = _digits(raw).rstrip("年")
    if re.fullmatch(r"\d{4}", s) and 2000 <= int(s) <= 2100:
        return int(s)
    raise Invalid(f"年份应为 2000–2100 之间的四位整数，实为 '{raw}'", "填写四位年份，如 2024")


def count(raw: str) -> int:
    s = _digits(raw).replace(",", "")
    if re.fullmatch(r"\d+", s):
        return int(s)
    if re.fullmatch(r"-\d+(\.0+)?", s):
        raise Invalid(f"人数/数量不能为负数，实为 '{raw}'", "填写非负整数")
    raise Invalid(f"应为非负整数，实为 '{raw}'", "填写非负整数，如 120 (不带单位、不带小数)")


def number(raw: str) -> float:
    s = clean(raw).replace(",", "")
    try:
        v = float(s)
    except ValueError:
        raise Invalid(f"应为数字，实为 '{raw}'", "填写数字，不带单位") from None
    if v < 0 or v != v:
        raise Invalid(f"应为非负数，实为 '{raw}'", "填写非负数")
    if math.isinf(v):  # "inf", "1e400": no quantity of a city or an enterprise
        raise Invalid(f"应为有限的数字，实为 '{raw}'", "填写实际数值 (不带单位)")
    return v


def rate(raw: str) -> float:
    s = clean(raw).replace(" ", "")
    pct = s.endswith("%")
    try:
        v = float(s[:-1] if pct else s)
    except ValueError:
        raise Invalid(f"比率应为 0–1 之间的小数或百分数，实为 '{raw}'", "填写如 0.85 或 85%") from None
    if pct or v > 1:
        v = v / 100
    if not 0 <= v <= 1:
        raise Invalid(f"比率应在 0–1 (0%–100%) 之间，实为 '{raw}'", "填写如 0.85 或 85%")
    return round(v, 10)


def weight(raw: str) -> float:
    s = clean(raw).replace(" ", "")
    if s.endswith("%"):  # a cell formatted as a percentage: 60%
        try:
            v = number(s[:-1]) / 100
        except Invalid:
            raise Invalid(f"应为数字，实为 '{raw}'", "填写数字，不带单位") from None
    else:
        v = number(raw)
    if not 0 < v <= 1:
        raise Invalid(f"权重应在 (0, 1] 之间，实为 '{raw}'", "填写大于 0、不超过 1 的小数，同一专业类的权重合计为 1")
    return v


TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "t"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "f"}


def boolean(raw: str) -> bool:
    s = clean(raw).lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    raise Invalid(f"应为 是/否，实为 '{raw}'", "填写 是 或 否")


def enum(name: str, voc: Vocabulary | None = None) -> Callable[[str], str]:
    """A value of the vocabulary ``name``: a term as is, a synonym mapped with a warning; an unknown word
    is kept with a warning in a descriptive field and an error (with the nearest term) in a counted one."""
    voc = voc if voc is not None else _vocab.current()
    allowed = voc.allowed(name)
    counted = voc.counted(name)

    def parse(raw: str) -> str:
        kind, word = voc.lookup(name, clean(raw))
        if kind == "term":
            return word
        if kind == "synonym":
            return Repaired(word, f"「{clean(raw)}」按「{word}」处理 ({name} 的同义词/简称)",  # type: ignore[return-value]
                            "synonym")
        near = voc.nearest(name, word)
        hint = f"；最接近的是「{near}」" if near else ""
        if not counted:
            return Repaired(word, f"「{word}」不在 {name} 的词表中，已按原样保留 (此字段不参与计算)"  # type: ignore[return-value]
                                  + hint, "unknown_term")
        raise Invalid(f"'{raw}' 不是允许的取值 ({name} 参与度量计算，只能取词表中的词){hint}",
                      "可选值：" + "、".join(allowed) + (f"；是否应为「{near}」?" if near else "")
                      + "；或在 vocabularies 表 (或 IEKG_VOCABULARY_FILE) 中把它加为同义词", "enum")

    return parse


DOCNUM_RE = re.compile(r"^(?P<org>.*?)[〔\[(（【]?(?P<year>(19|20)\d{2})[〕\])）】]?(?P<num>\d+)号$")
DOCNUM_STRICT = re.compile(r"^(?P<org>.*?)[〔\[(（【](?P<year>(19|20)\d{2})[〕\])）】](?P<num>\d+)号$")


def docnum(raw: str) -> str:
    """Normalise a 文号 to ``org〔year〕num号``; a missing bracket is repaired with a warning."""
    s = re.sub(r"\s+", "", raw.strip())
    s = s.replace("〔", "〔").replace("［", "[").replace("］", "]")
    m = DOCNUM_STRICT.match(s)
    if m:
        return f"{m['org']}〔{m['year']}〕{int(m['num'])}号"
    m = DOCNUM_RE.match(s)
    if m and m["org"]:
        fixed = f"{m['org']}〔{m['year']}〕{int(m['num'])}号"
        return Repaired(fixed, f"文号 '{raw}' 缺少括号，已按 '{fixed}' 处理", "docnum_repaired")  # type: ignore[return-value]
    raise Invalid(f"'{raw}' 不像文号 (应为 机关代字〔年份〕序号号)", "填写如 豫发改社会〔2022〕646号")


DATE_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"), 3),
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$"), 2),
    (re.compile(r"^(\d{4})年?$"), 1),
)


def date(raw: str) -> str:
    s = clean(raw).replace(" ", "")
    # Excel dates read as datetime strings: 2022-07-29 00:00:00
    s = re.sub(r"(?:T|\s)?00:00:00$", "", s)
    for rx, n in DATE_PATTERNS:
        m = rx.match(s)
        if m:
            parts = [int(x) for x in m.groups()]
            if not 2000 <= parts[0] <= 2100 and not 1949 <= parts[0] <= 2100:
                break
            if n >= 2 and not 1 <= parts[1] <= 12 or n == 3 and not 1 <= parts[2] <= 31:
                break
            return "-".join([f"{parts[0]:04d}"] + [f"{p:02d}" for p in parts[1:]])
    raise Invalid(f"日期格式无法识别：'{raw}'", "填写如 2022-07-29、2022年7月29日 或 2022-07")


def text(raw: str) -> str:
    return raw.strip()


PARSERS: dict[str, Callable[[str], Any]] = {
    "text": text, "id": own_id, "city_code": city_code, "inst_id": inst_id, "major_code": major_code,
    "category_code": category_code, "division_code": division_code, "industry_code": industry_code,
    "ent_id": ent_id, "year": year, "count": count, "number": number, "rate": rate, "weight": weight,
    "bool": boolean, "docnum": docnum, "date": date,
}


def parser_for(kind: str, voc: Vocabulary | None = None) -> Callable[[str], Any]:
    if kind.startswith("enum:"):
        return enum(kind[5:], voc)
    if kind.startswith("list:"):
        inner = parser_for(kind[5:], voc)

        def parse_list(raw: str) -> Any:
            out: list[Any] = []
            repairs: list[Repaired] = []
            for part in LIST_SEPARATORS.split(raw):
                if part.strip():
                    v = inner(part)
                    if isinstance(v, Repaired):
                        repairs.append(v)
                        v = v.value
                    out.append(v)
            if repairs:
                return Repaired(out, "；".join(r.warning for r in repairs), repairs[0].code)
            return out

        return parse_list
    return PARSERS[kind]
