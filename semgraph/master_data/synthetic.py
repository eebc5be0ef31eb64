"""A generated multi-system customer set with known truth, to train and measure matching.

Each company gets a CRM record; most also get an ERP record written the way a second
system writes it (upper case, another legal form, other punctuation, full-width
characters, 上海…公司 moved to …（上海）公司, abbreviated or reordered addresses, phones in
another format, missing fields, a typo now and then). Some companies get a *sibling*: a
different company with the same core name elsewhere (another tax id, city and phone), so
the set has near misses that must not merge. Names are English or Chinese (about 40 %).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from semgraph.master_data.matcher import CustomerRecord


def _words(text: str) -> list[str]:
    return text.split()


_EN_FIRST = _words(
    "Acme Apex Atlas Aurora Beacon Blue Bright Cedar Crest Delta Eagle Echo Ember Falcon "
    "Fjord Forge Granite Harbor Helix Horizon Iron Jade Keystone Lakeside Lumen Maple "
    "Meridian Nimbus Northwind Oak Orbit Pacific Peak Pioneer Prism Quantum Quartz Raven "
    "Redwood Ridge River Sapphire Sierra Silver Solar Spruce Stellar Summit Tidal Titan "
    "Triton Union Vector Vertex Willow Zenith Albright Becker Carter Dawson Ellis Fischer "
    "Graham Hoffmann Irving Jensen Keller Lambert Morgan Nolan Owens Parker Quinn Reyes "
    "Schneider Turner Vogel Walker Young Zimmer Baxter Crane Dunmore Everett Foster Hale"
)
_EN_SECOND = _words(
    "Logistics Systems Solutions Industries Technologies Foods Pharma Energy Metals "
    "Textiles Robotics Analytics Software Engineering Consulting Capital Holdings Retail "
    "Motors Chemicals Plastics Electronics Optics Instruments Materials Networks Media "
    "Brands Labs Dynamics Machines Tools Packaging Freight Marine Aviation Health"
)
_EN_THIRD = ["", "", "", "International", "Group", "Partners", "Europe", "Trading", "Services"]
_EN_FORMS = {
    "DE": [("GmbH", "Gesellschaft mbH"), ("AG", "Aktiengesellschaft")],
    "US": [("Inc.", "Incorporated"), ("LLC", "L.L.C."), ("Corp.", "Corporation")],
    "GB": [("Ltd", "Limited"), ("PLC", "Public Limited Company")],
    "FR": [("S.A.", "SA"), ("SAS", "S.A.S.")],
}
_EN_CITIES = {
    "DE": [("Hamburg", "20"), ("München", "80"), ("Berlin", "10"), ("Köln", "50")],
    "US": [("Chicago", "606"), ("Dallas", "752"), ("Boston", "021"), ("Seattle", "981")],
    "GB": [("London", "EC"), ("Leeds", "LS"), ("Bristol", "BS"), ("Birmingham", "B")],
    "FR": [("Lyon", "690"), ("Paris", "750"), ("Lille", "590"), ("Nantes", "440")],
}
_EN_STREETS = _words(
    "Main Oak Mill Park High Church Station Harbour Market Bridge King Queen Garden Lake "
    "Elm Cedar Hill Forest River Spring"
)
_STREET_TYPES = [("Street", "St."), ("Road", "Rd"), ("Avenue", "Ave"), ("Lane", "Ln")]
_DE_STREET_TYPES = [("straße", "str."), ("weg", "weg"), ("allee", "allee")]
_ZH_BRANDS = _words(
    "华信 中科 东方 恒通 金达 宏远 天成 博创 瑞丰 鼎盛 鸿运 永泰 嘉禾 新元 汇通 明德 "
    "长城 海天 盛世 卓越 光明 致远 佳美 腾飞 万象 安信 富达 兴业 华夏 锦程 正泰 通达 "
    "星辰 云帆 宝丰 润泽 德隆 益康 凯旋 远航 同方 信和 联创 振华 银河 飞扬 国泰 青松"
)
_ZH_MIDDLE = _words("浦东 张江 滨江 智能 数字 精密 绿色 环球 华东 南方 北方 新能 云端 互联")
_ZH_INDUSTRY = _words("科技 贸易 物流 电子 机械 医药 化工 食品 能源 软件 材料 设备 咨询 实业")
_ZH_FORMS = [("有限公司", "有限责任公司"), ("股份有限公司", "股份公司")]
_ZH_CITIES = [
    ("上海", "200", "浦东新区"),
    ("北京", "100", "朝阳区"),
    ("深圳", "518", "南山区"),
    ("广州", "510", "天河区"),
    ("杭州", "310", "西湖区"),
    ("苏州", "215", "工业园区"),
]
_ZH_ROADS = _words("世纪大道 南京西路 中山路 人民路 建国路 科技园路 长江路 解放路 延安路 黄河路")
_FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}


@dataclass(frozen=True)
class LabelledRecord:
    """A generated record and the company it belongs to."""

    entity: int
    system: str
    record: CustomerRecord


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 5:
        return text
    i = rng.randrange(1, len(text) - 1)
    if rng.random() < 0.5:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _company(rng: random.Random, entity: int, zh: bool) -> dict[str, str]:
    if zh:
        city, post, district = rng.choice(_ZH_CITIES)
        core = rng.choice(_ZH_BRANDS) + rng.choice(_ZH_MIDDLE) + rng.choice(_ZH_INDUSTRY)
        forms = rng.choice(_ZH_FORMS)
        number = rng.randint(1, 999)
        return {
            "core": core, "region": city, "forms": "|".join(forms), "country": "CN",
            "street": f"{city}市{district}{rng.choice(_ZH_ROADS)}{number}号",
            "city": city, "postal": f"{post}{rng.randint(0, 999):03d}",
            "tax": "91" + f"{rng.randint(0, 10**15 - 1):015d}" + rng.choice("ABCDEFGHJKLM"),
            "phone": f"+86 {rng.choice(['21', '10', '755', '20'])} {rng.randint(10**7, 10**8 - 1)}",
            "domain": f"cn{entity}.com.cn",
        }  # fmt: skip
    country = rng.choice(list(_EN_FORMS))
    city, post = rng.choice(_EN_CITIES[country])
    words = [rng.choice(_EN_FIRST), rng.choice(_EN_SECOND), rng.choice(_EN_THIRD)]
    core = " ".join(w for w in words if w)
    forms = rng.choice(_EN_FORMS[country])
    number = rng.randint(1, 400)
    street_name = rng.choice(_EN_STREETS)
    if country == "DE":
        kind = rng.choice(_DE_STREET_TYPES)
        street = f"{street_name}{kind[0]} {number}"
    else:
        kind = rng.choice(_STREET_TYPES)
        street = f"{number} {street_name} {kind[0]}"
    return {
        "core": core, "region": "", "forms": "|".join(forms), "country": country,
        "street": street, "street_kind": "|".join(kind), "city": city,
        "postal": post + f"{rng.randint(0, 999):03d}",
        "tax": f"{country}{rng.randint(10**8, 10**9 - 1)}",
        "phone": f"+{rng.choice(['49', '1', '44', '33'])} {rng.randint(10**8, 10**9 - 1)}",
        "domain": core.split()[0].lower() + f"{entity}.com",
    }  # fmt: skip


def _crm(rng: random.Random, entity: int, c: dict[str, str]) -> CustomerRecord:
    form = c["forms"].split("|")[0]
    name = (c["region"] + c["core"] + form) if c["region"] else f"{c['core']} {form}"
    email = f"info@{c['domain']}" if rng.random() < 0.8 else f"buyer{entity}@gmail.com"
    return CustomerRecord(
        id=f"CRM-{entity}",
        name=name,
        tax_id=c["tax"] if rng.random() < 0.6 else None,
        street=c["street"],
        postal_code=c["postal"],
        city=c["city"],
        country=c["country"],
        email=email,
        phone=c["phone"],
        systems=("CRM",),
    )


def _erp(rng: random.Random, entity: int, c: dict[str, str]) -> CustomerRecord:
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
        name = f"{c['core']} {form}"
        if rng.random() < 0.3:
            name = name.replace(".", "").replace(" ", "-", 1)
        if rng.random() < 0.5:
            name = name.upper()
        if rng.random() < 0.05:
            name = name.translate(_FULL_WIDTH)
    if rng.random() < 0.1:
        name = _typo(rng, name)
    street = c["street"]
    if "street_kind" in c and rng.random() < 0.5:
        long, short = c["street_kind"].split("|")
        street = street.replace(long, short)
        if c["country"] != "DE" and rng.random() < 0.5:  # "Main St. 12" style
            number, rest = street.split(" ", 1)
            street = f"{rest} {number}"
    if rng.random() < 0.08:  # ERP bills another site of the company
        street = f"{rng.randint(1, 400)} {rng.choice(_EN_STREETS)} Road"
    if rng.random() < 0.05:
        street = ""
    tax = c["tax"] if rng.random() < 0.85 else None
    if tax and rng.random() < 0.3:
        tax = " ".join(tax[i : i + 3] for i in range(0, len(tax), 3))
    if tax and rng.random() < 0.02:
        tax = _typo(rng, tax)
    digits = c["phone"].replace("+", "00").replace(" ", "")
    phone = digits if rng.random() < 0.8 else None
    if phone and rng.random() < 0.15:  # accounts payable's line, not the switchboard
        phone = phone[:-4] + f"{rng.randint(0, 9999):04d}"
    return CustomerRecord(
        id=f"ERP-{entity}",
        name=name,
        tax_id=tax,
        street=street or None,
        postal_code=c["postal"],
        city=c["city"].upper() if rng.random() < 0.5 else c["city"],
        country=c["country"],
        email=(
            None
            if rng.random() < 0.6
            else f"ap@{c['domain']}"
            if rng.random() < 0.85
            else f"ap@group-{c['domain']}"  # the parent's domain
        ),
        phone=phone,
        systems=("ERP",),
    )


def generate(companies: int, seed: int = 19, erp_share: float = 0.7) -> Iterator[LabelledRecord]:
    """Records of ``companies`` companies (and their siblings), CRM first, then ERP."""
    rng = random.Random(seed)
    for entity in range(companies):
        zh = rng.random() < 0.4
        company = _company(rng, entity, zh)
        yield LabelledRecord(entity, "CRM", _crm(rng, entity, company))
        if rng.random() < erp_share:
            yield LabelledRecord(entity, "ERP", _erp(rng, entity, company))
        if rng.random() < 0.03:  # a near miss: same core name, another company
            sibling_id = companies + entity
            sibling = _company(rng, sibling_id, zh)
            sibling["core"] = company["core"]
            yield LabelledRecord(sibling_id, "CRM", _crm(rng, sibling_id, sibling))
