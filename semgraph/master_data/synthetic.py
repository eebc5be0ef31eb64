"""A generated multi-system customer set with known truth, to train and measure matching.

Each company gets a CRM record; most also get an ERP record written the way a second
system writes it (upper case, another legal form, other punctuation, full-width
characters, 上海…公司 moved to …（上海）公司, abbreviated or reordered addresses, phones in
another format, missing fields, a typo now and then). Some companies get a *sibling*: a
different company with the same core name elsewhere (another tax id, city, phone and
domain), so the set has near misses that must not merge. Names are English or Chinese
(about 40 %), combined from the word lists of ``synthetic_words`` (millions of core
names, so different companies share one rarely, as in a real customer base).
docs/master-data.md says exactly how each field is made.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from semgraph.master_data import synthetic_words as w
from semgraph.master_data.matcher import CustomerRecord

_FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class LabelledRecord:
    """A generated record and the company it belongs to."""

    entity: int
    system: str
    record: CustomerRecord


def _typo(rng: random.Random, text: str) -> str:
    """One keying error: a character dropped or two neighbours swapped."""
    if len(text) < 5:
        return text
    i = rng.randrange(1, len(text) - 1)
    if rng.random() < 0.5:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _maybe(rng: random.Random, share: float, value: str | None) -> str | None:
    return value if rng.random() < share else None


def _en_core(rng: random.Random) -> str:
    """An English core name: an invented brand, a word or a founder's name, then an
    industry, sometimes a third word."""
    kind = rng.random()
    if kind < 0.65:
        brand = (
            rng.choice(w.EN_SYLLABLE_HEAD)
            + rng.choice(w.EN_SYLLABLE_MIDDLE)
            + rng.choice(w.EN_SYLLABLE_TAIL)
        )
        words = [brand.capitalize(), rng.choice(w.EN_INDUSTRY)]
    elif kind < 0.85:
        words = [rng.choice(w.EN_WORDS), rng.choice(w.EN_WORDS), rng.choice(w.EN_INDUSTRY)]
    else:
        words = [rng.choice(w.EN_SURNAMES)]
        if rng.random() < 0.6:
            words += ["&", rng.choice(w.EN_SURNAMES)]
        words.append(rng.choice(w.EN_INDUSTRY))
    if rng.random() < 0.25:
        words.append(rng.choice(w.EN_THIRD))
    return " ".join(words)


def _domain(rng: random.Random, base: str, tld: str, taken: set[str]) -> str:
    """A company's own domain: unique in the set, as registered domains are."""
    domain = f"{base}.{tld}"
    while domain in taken:
        domain = f"{base}{rng.randint(1, 999)}.{tld}"
    taken.add(domain)
    return domain


def _company(
    rng: random.Random, zh: bool, taken: set[str], core: str | None = None
) -> dict[str, str]:
    if zh:
        city, post, district, area = rng.choice(w.ZH_CITIES)
        if core is None:
            middle = rng.choice(w.ZH_MIDDLE) if rng.random() < 0.75 else ""
            core = rng.choice(w.ZH_CHARS) + rng.choice(w.ZH_CHARS) + middle
            core += rng.choice(w.ZH_INDUSTRY)
        letters = "".join(rng.choice(w.LETTERS) for _ in range(rng.randint(4, 8)))
        return {
            "core": core, "region": city, "forms": "|".join(rng.choice(w.ZH_FORMS)),
            "country": "CN",
            "street": f"{city}市{district}{rng.choice(w.ZH_ROADS)}{rng.randint(1, 999)}号",
            "city": city, "postal": f"{post}{rng.randint(0, 999):03d}",
            "tax": "91" + f"{rng.randint(0, 10**15 - 1):015d}" + rng.choice("ABCDEFGHJKLM"),
            "phone": f"+86 {area} {rng.randint(10**7, 10**8 - 1)}",
            "domain": _domain(rng, letters, rng.choice(["com.cn", "cn", "com"]), taken),
        }  # fmt: skip
    country = rng.choice(list(w.EN_FORMS))
    city, post = rng.choice(w.EN_CITIES[country])
    core = core or _en_core(rng)
    number = rng.randint(1, 400)
    if country == "DE":
        kind = rng.choice(w.DE_STREET_TYPES)
        street = f"{rng.choice(w.DE_STREETS)}{kind[0]} {number}"
    elif country == "FR":
        kind = rng.choice(w.FR_STREET_TYPES)
        street = f"{number} {kind[0]} {rng.choice(w.EN_STREETS)}"
    else:
        kind = rng.choice(w.STREET_TYPES)
        street = f"{number} {rng.choice(w.EN_STREETS)} {kind[0]}"
    slug = _SLUG.sub("-", core.lower().replace("&", "and")).strip("-")
    return {
        "core": core, "region": "", "forms": "|".join(rng.choice(w.EN_FORMS[country])),
        "country": country, "street": street, "street_kind": "|".join(kind), "city": city,
        "postal": post + f"{rng.randint(0, 999):03d}",
        "tax": f"{country}{rng.randint(10**8, 10**9 - 1)}",
        "phone": f"+{w.EN_PHONE[country]} {rng.randint(10, 99)} {rng.randint(10**5, 10**7)}",
        "domain": _domain(rng, slug, w.EN_TLD[country], taken),
    }  # fmt: skip


def _crm(rng: random.Random, entity: int, c: dict[str, str]) -> CustomerRecord:
    """The CRM record: the company's name as sales typed it, a tax id for 60 %, a phone
    for 85 %, an e-mail at the company's domain for 65 % (free mail 15 %, none 20 %)."""
    form = c["forms"].split("|")[0]
    name = (c["region"] + c["core"] + form) if c["region"] else f"{c['core']} {form}"
    if rng.random() < 0.02:
        name = _typo(rng, name)
    mail = rng.random()
    email = (
        f"{rng.choice(['info', 'sales', 'contact', 'office'])}@{c['domain']}"
        if mail < 0.65
        else f"buyer{entity}@{rng.choice(['gmail.com', 'outlook.com', 'qq.com', '163.com'])}"
        if mail < 0.8
        else None
    )
    return CustomerRecord(
        id=f"CRM-{entity}",
        name=name,
        tax_id=_maybe(rng, 0.6, c["tax"]),
        street=c["street"],
        postal_code=c["postal"],
        city=c["city"],
        country=c["country"],
        email=email,
        phone=_maybe(rng, 0.85, c["phone"]),
        systems=("CRM",),
    )


def _erp_name(rng: random.Random, c: dict[str, str]) -> str:
    forms = c["forms"].split("|")
    form = forms[1] if rng.random() < 0.4 else forms[0]
    if c["region"]:
        if rng.random() < 0.4:
            name = f"{c['core']}（{c['region']}）{form}"
        else:
            name = c["region"] + c["core"] + form
        if rng.random() < 0.1:
            name = name.translate(_FULL_WIDTH)
    else:
        core = c["core"]
        if "&" in core and rng.random() < 0.5:
            core = core.replace("&", "and")
        if core.split()[-1] in w.EN_THIRD and rng.random() < 0.2:
            core = core.rsplit(" ", 1)[0]  # the second system dropped the last word
        name = f"{core} {form}"
        if rng.random() < 0.3:
            name = name.replace(".", "").replace(" ", "-", 1)
        if rng.random() < 0.5:
            name = name.upper()
        if rng.random() < 0.05:
            name = name.translate(_FULL_WIDTH)
    return _typo(rng, name) if rng.random() < 0.1 else name


def _erp_street(rng: random.Random, c: dict[str, str]) -> str | None:
    """The street as SAP holds it: abbreviated, reordered, a typo, or missing."""
    street = c["street"]
    if "street_kind" in c and rng.random() < 0.5:
        long, short = c["street_kind"].split("|")
        street = street.replace(long, short)
        if c["country"] in {"US", "GB"} and rng.random() < 0.5:  # "Main St. 12" style
            number, rest = street.split(" ", 1)
            street = f"{rest} {number}"
    if rng.random() < 0.05:
        street = _typo(rng, street)
    return None if rng.random() < 0.05 else street


def _erp(rng: random.Random, entity: int, c: dict[str, str]) -> CustomerRecord:
    """The ERP record of the same company, written as SAP writes it (see _erp_name and
    _erp_street); tax id for 85 % (spaced 30 %, a typo 2 %), phone for 80 % (another line
    of the company 15 %), e-mail for 40 % (the parent's domain 15 % of those)."""
    tax = _maybe(rng, 0.85, c["tax"])
    if tax and rng.random() < 0.3:
        tax = " ".join(tax[i : i + 3] for i in range(0, len(tax), 3))
    if tax and rng.random() < 0.02:
        tax = _typo(rng, tax)
    phone = _maybe(rng, 0.8, c["phone"].replace("+", "00").replace(" ", ""))
    if phone and rng.random() < 0.15:  # accounts payable's line, not the switchboard
        phone = phone[:-4] + f"{rng.randint(0, 9999):04d}"
    email = _maybe(rng, 0.4, f"ap@{c['domain']}")
    if email and rng.random() < 0.15:
        email = f"ap@group-{c['domain']}"  # the parent's domain
    street, postal = _erp_street(rng, c), _maybe(rng, 0.95, c["postal"])
    if rng.random() < 0.08:  # ERP bills another site of the company: street and postcode
        street = f"{rng.randint(1, 400)} {rng.choice(w.EN_STREETS)} Road"
        postal = c["postal"][:-3] + f"{rng.randint(0, 999):03d}"
    city = c["city"].upper() if rng.random() < 0.5 else c["city"]
    return CustomerRecord(
        id=f"ERP-{entity}",
        name=_erp_name(rng, c),
        tax_id=tax,
        street=street,
        postal_code=postal,
        city=_typo(rng, city) if rng.random() < 0.03 else city,
        country=c["country"],
        email=email,
        phone=phone,
        systems=("ERP",),
    )


def generate(companies: int, seed: int = 19, erp_share: float = 0.7) -> Iterator[LabelledRecord]:
    """Records of ``companies`` companies (and their siblings), CRM first, then ERP."""
    rng = random.Random(seed)
    taken: set[str] = set()
    for entity in range(companies):
        zh = rng.random() < 0.4
        company = _company(rng, zh, taken)
        yield LabelledRecord(entity, "CRM", _crm(rng, entity, company))
        if rng.random() < erp_share:
            yield LabelledRecord(entity, "ERP", _erp(rng, entity, company))
        if rng.random() < 0.03:  # a near miss: same core name, another company
            sibling_id = companies + entity
            sibling = _company(rng, zh, taken, core=company["core"])
            yield LabelledRecord(sibling_id, "CRM", _crm(rng, sibling_id, sibling))
