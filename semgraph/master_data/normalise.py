"""Normalisation of customer fields before matching (pure functions, no I/O).

Two systems spell one company differently: ``ACME Logistics GmbH`` and ``Acme Logistics
Gesellschaft mbH``, ``上海浦东发展科技有限公司`` and ``浦东发展科技（上海）有限公司``,
full-width ``ＡＢＣ`` and ``ABC``. Here every spelling is brought to one key, so the
probabilistic model only has to weigh the differences that are left.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import jieba

jieba.setLogLevel(60)  # jieba prints its dictionary load on stderr otherwise


def _words(text: str) -> list[str]:
    return text.split()


# Longest first, so 股份有限公司 is removed whole, not as 有限公司 leaving 股份.
_CJK_LEGAL_FORMS = sorted(
    [
        "股份有限公司",
        "有限责任公司",
        "集团有限公司",
        "有限公司",
        "股份公司",
        "控股公司",
        "株式会社",
        "公司",
        "集团",
    ],
    key=len,
    reverse=True,
)
# Tokens of Latin legal forms, matched at the end of the name after punctuation is gone
# (so "Co., Ltd." is "co ltd", "S.A." is "s a", "L.L.C." is "l l c").
_LATIN_LEGAL_FORMS = [
    ("gesellschaft", "mit", "beschränkter", "haftung"),
    ("gesellschaft", "mbh"),
    ("company", "limited"),
    ("co", "ltd"),
    ("pte", "ltd"),
    ("pty", "ltd"),
    ("public", "limited", "company"),
    ("l", "l", "c"),
    ("s", "a", "s"),
    ("s", "a", "r", "l"),
    ("s", "a"),
    ("s", "p", "a"),
    ("s", "r", "l"),
    ("b", "v"),
    ("n", "v"),
    ("k", "k"),
    ("gmbh", "co", "kg"),
    ("gmbh",),
    ("mbh",),
    ("ag",),
    ("kg",),
    ("ug",),
    ("se",),
    ("ltd",),
    ("limited",),
    ("inc",),
    ("incorporated",),
    ("llc",),
    ("llp",),
    ("lp",),
    ("corp",),
    ("corporation",),
    ("co",),
    ("company",),
    ("plc",),
    ("sa",),
    ("sas",),
    ("sarl",),
    ("spa",),
    ("srl",),
    ("bv",),
    ("nv",),
    ("kk",),
    ("ab",),
    ("oy",),
]
_LATIN_LEGAL_FORMS.sort(key=len, reverse=True)
# Regions a Chinese company name carries either first (上海…公司) or in brackets before its
# legal form (…（上海）公司); both spellings lose it to ``region``.
CN_REGIONS = _words(
    "北京 上海 天津 重庆 深圳 广州 杭州 南京 苏州 成都 武汉 西安 青岛 大连 宁波 厦门 "
    "无锡 长沙 郑州 济南 合肥 福州 东莞 佛山 沈阳 昆明 香港 澳门 台北 广东 江苏 浙江 "
    "山东 福建 四川 湖北 湖南 河南 河北 辽宁 安徽 江西"
)
_LATIN_REGIONS = {
    "shanghai", "beijing", "shenzhen", "guangzhou", "hangzhou", "suzhou", "tianjin",
    "hong kong", "hongkong", "china", "deutschland", "germany", "uk", "usa", "europe",
    "asia", "asia pacific", "singapore", "japan", "france",
}  # fmt: skip
_BRACKETED = re.compile(r"\(([^()]*)\)")
_NON_WORD = re.compile(r"[^0-9a-z\u00c0-\u024f\u3400-\u9fff]+")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+|[0-9a-z\u00c0-\u024f]+")
_DIGITS = re.compile(r"\d+")
FREE_MAIL_DOMAINS = frozenset(
    _words(
        "gmail.com googlemail.com outlook.com hotmail.com live.com yahoo.com icloud.com "
        "gmx.de gmx.net web.de t-online.de qq.com 163.com 126.com sina.com foxmail.com "
        "aliyun.com protonmail.com mail.com aol.com"
    )
)
"""Shared by unrelated customers: a same domain there is no evidence, and would make one
blocking group of millions."""
_ADDRESS_WORDS = {
    "street": "st", "str": "st", "strasse": "st", "straße": "st", "st": "st",
    "road": "rd", "avenue": "ave", "av": "ave", "boulevard": "blvd", "drive": "dr",
    "lane": "ln", "place": "pl", "platz": "pl", "square": "sq", "suite": "ste",
    "floor": "fl", "building": "bldg", "north": "n", "south": "s", "east": "e", "west": "w",
    "weg": "weg", "allee": "allee", "no": "", "number": "", "nr": "",
}  # fmt: skip


def fold(text: str) -> str:
    """NFKC (full-width letters, digits and brackets become half-width), lower case, ß
    kept; ``&`` reads as ``and``."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return folded.replace("&", " and ").replace("＆", " and ")


@dataclass(frozen=True)
class NormalisedName:
    """A company name brought to its core: no legal form, no region, no punctuation."""

    key: str
    """The core, words joined by one space (Chinese without spaces)."""
    region: str | None
    """The region the name carried (上海, shanghai), if any."""
    tokens: tuple[str, ...]
    """Words of the core; Chinese tokenised by jieba."""

    @property
    def grams(self) -> list[str]:
        """Character bigrams of the core without spaces (CJK-aware similarity: a Chinese
        word is two or three characters, so bigrams compare them as Latin trigrams do)."""
        return char_grams(self.key)


def char_grams(text: str, size: int = 2) -> list[str]:
    """Distinct character n-grams of ``text`` without spaces, sorted; a shorter text is
    its own only gram."""
    compact = text.replace(" ", "")
    if not compact:
        return []
    if len(compact) <= size:
        return [compact]
    return sorted({compact[i : i + size] for i in range(len(compact) - size + 1)})


def _strip_cjk(core: str) -> tuple[str, str | None]:
    region: str | None = None
    changed = True
    while changed:
        changed = False
        for form in _CJK_LEGAL_FORMS:
            if core.endswith(form) and len(core) > len(form):
                core, changed = core[: -len(form)], True
                break
        for place in CN_REGIONS:
            if core.startswith(place) and len(core) > len(place) + 1:
                region, core, changed = place, core[len(place) :], True
                if core.startswith("市"):
                    core = core[1:]
                break
            for suffix in (place, place + "市"):
                if core.endswith(suffix) and len(core) > len(suffix) + 1:
                    region, core, changed = place, core[: -len(suffix)], True
                    break
    return core, region


def normalise_name(name: str | None) -> NormalisedName | None:
    """The core of a company name, or None for an empty one."""
    if not name or not name.strip():
        return None
    text = fold(name)
    region: str | None = None
    # a bracketed region: 浦东发展（上海）有限公司, semgraph (Shanghai) Co., Ltd.
    for inner in _BRACKETED.findall(text):
        bare = inner.strip().removesuffix("市")
        if bare in CN_REGIONS or bare in _LATIN_REGIONS:
            region = bare
            text = text.replace(f"({inner})", " ")
    words = _join_cjk(_NON_WORD.sub(" ", text).split())
    # Latin legal forms at the end, repeatedly ("gmbh co kg", "co ltd")
    stripped = True
    while stripped and len(words) > 1:
        stripped = False
        for form in _LATIN_LEGAL_FORMS:
            if len(words) > len(form) and tuple(words[-len(form) :]) == form:
                words, stripped = words[: -len(form)], True
                break
    if words and _CJK_CHAR.search(words[-1]):
        last, found = _strip_cjk(words[-1])
        words[-1] = last
        region = region or found
    if words and _CJK_CHAR.search(words[0]):
        first, found = _strip_cjk(words[0])
        words[0] = first
        region = region or found
    words = [w for w in words if w]
    if not words:  # the name was nothing but a legal form: keep what was written
        words = _NON_WORD.sub(" ", fold(name)).split() or [fold(name).strip()]
    has_cjk = any(_CJK_CHAR.search(w) for w in words)
    key = "".join(words) if has_cjk and all(_CJK_CHAR.search(w) for w in words) else " ".join(words)
    return NormalisedName(key, region, tuple(tokenise(key)))


def _join_cjk(words: list[str]) -> list[str]:
    """Adjacent Chinese words as one (a removed bracket leaves ``浦东发展 有限公司``)."""
    out: list[str] = []
    for word in words:
        if out and _CJK_CHAR.search(word) and _CJK_CHAR.search(out[-1]):
            out[-1] += word
        else:
            out.append(word)
    return out


def tokenise(text: str) -> list[str]:
    """Words of a folded text: Latin split on spaces, Chinese cut by jieba."""
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        if _CJK_CHAR.match(run):
            out.extend(t for t in jieba.lcut(run) if t.strip())
        else:
            out.append(run)
    return out


def normalise_tax_id(value: str | None) -> str | None:
    """Letters and digits only, upper case; a two-letter country prefix before digits is
    dropped (``DE 123 456 789`` and ``123456789`` are one VAT number)."""
    if not value:
        return None
    text = re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", value).upper())
    if re.fullmatch(r"[A-Z]{2}\d{6,}", text):
        text = text[2:]
    return text or None


def normalise_phone(value: str | None) -> str | None:
    """Digits only, the last nine: ``+49 (40) 123-4567``, ``0049 40 1234567`` and
    ``040 1234567`` agree whatever country and trunk prefix each system writes."""
    if not value:
        return None
    digits = "".join(_DIGITS.findall(unicodedata.normalize("NFKC", value)))
    return digits[-9:] if len(digits) >= 6 else None


def email_domain(value: str | None) -> str | None:
    """The domain of an e-mail address, lower case; None for free-mail providers."""
    if not value or "@" not in value:
        return None
    domain = fold(value).rsplit("@", 1)[1].strip().strip(".")
    return None if not domain or domain in FREE_MAIL_DOMAINS else domain


def address_tokens(*parts: str | None) -> list[str]:
    """Distinct, sorted tokens of an address: Latin words with street types abbreviated
    (``Street``/``Str.``/``Straße`` → ``st``), numbers, and Chinese as character bigrams;
    order-free, so ``12 Main Street`` and ``Main St. 12`` agree."""
    text = fold(" ".join(p for p in parts if p))
    text = re.sub(r"(?<=[a-zß])(strasse|straße|str)\b", r" \1", text)  # Hauptstraße → haupt st
    tokens: set[str] = set()
    for run in _CJK_RUN.findall(text):
        if _CJK_CHAR.match(run):
            tokens.update(char_grams(run))
        else:
            word = _ADDRESS_WORDS.get(run, run)
            if word:
                tokens.add(word)
    return sorted(tokens)


def postcode(value: str | None) -> str | None:
    """A postcode: letters and digits only, upper case (``SW1A 1AA`` → ``SW1A1AA``)."""
    if not value:
        return None
    text = re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", value).upper())
    return text or None
