"""Word lists of the generated customer set (``synthetic``): the parts company names,
streets and cities are made of, English and Chinese.

The lists are combined, not used whole: an English brand is two syllable parts
(``Vel`` + ``tora`` = Veltora, as many real brands are invented words) or a word or a
founder's surname, then one of many industry words; a Chinese brand is two characters
(most Chinese trade names are), then an optional descriptive word and an industry. That
gives millions of core names, so, as in a real customer base, two different companies
share a name rarely and by chance, not because the generator ran out of words.
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


EN_SYLLABLE_HEAD = _words(
    "Al Am Ar Bel Bri Cal Cor Dal Dar El Ev Fal Fen Gal Hal Hel Ix Jal Kal Kor Lan Lev "
    "Lum Mar Mer Nor Nov Ol Or Pal Pen Qua Ral Ren Sal Sel Sol Tal Ter Tor Val Vel Ver "
    "Wen Xan Yor Zan Zel Bren Cres Dun Fra Gra Kre Pro Stra Tri Vin"
)
EN_SYLLABLE_MIDDLE = ["", "", "a", "o", "i", "en", "ar", "el", "is", "u"]
EN_SYLLABLE_TAIL = _words(
    "tora vex mont aris ion ora ex is ux ent ica ara era ova eon ix ada anta ello ind "
    "oria ton ford wick dale ley more ridge stone brook field gate haven lyn mark ville "
    "worth core tec gen dyn sys"
)
EN_WORDS = _words(
    "Acme Apex Atlas Aurora Beacon Blue Bright Cedar Crest Delta Eagle Echo Ember Falcon "
    "Fjord Forge Granite Harbor Helix Horizon Iron Jade Keystone Lakeside Lumen Maple "
    "Meridian Nimbus Northwind Oak Orbit Pacific Peak Pioneer Prism Quantum Quartz Raven "
    "Redwood Ridge River Sapphire Sierra Silver Solar Spruce Stellar Summit Tidal Titan "
    "Triton Union Vector Vertex Willow Zenith Anchor Arrow Bison Cobalt Compass Copper "
    "Coral Cypress Diamond Dragon Eastgate Emerald Evergreen Firefly Frontier Glacier "
    "Golden Greenfield Highland Hudson Indigo Ivory Juniper Kestrel Liberty Lighthouse "
    "Lotus Magnolia Mariner Monarch Nova Oasis Olympus Onyx Osprey Panther Pinnacle "
    "Polaris Radiant Rainier Sentinel Sequoia Skyline Sterling Stonebridge Sunrise "
    "Thunder Topaz Trident Tundra Valley Vanguard Victory Westwood Wildflower"
)
EN_SURNAMES = _words(
    "Albright Becker Carter Dawson Ellis Fischer Graham Hoffmann Irving Jensen Keller "
    "Lambert Morgan Nolan Owens Parker Quinn Reyes Schneider Turner Vogel Walker Young "
    "Zimmer Baxter Crane Dunmore Everett Foster Hale Abbott Bauer Brennan Calloway "
    "Donovan Engel Faulkner Gallagher Hartmann Hughes Jacobs Kaufmann Lindqvist Mercer "
    "Neumann O'Brien Pemberton Richter Sinclair Thornton Underwood Vance Whitaker "
    "Ashford Barrett Cole Drummond Fairbanks Gardner Harrington Kessler Lowell Mason "
    "Nash Pryce Radcliffe Sutton Talbot Wagner Wolff Yates"
)
EN_INDUSTRY = _words(
    "Logistics Systems Solutions Industries Technologies Foods Pharma Energy Metals "
    "Textiles Robotics Analytics Software Engineering Consulting Capital Holdings Retail "
    "Motors Chemicals Plastics Electronics Optics Instruments Materials Networks Media "
    "Brands Labs Dynamics Machines Tools Packaging Freight Marine Aviation Health "
    "Biotech Semiconductors Components Automation Hydraulics Coatings Fasteners Paper "
    "Printing Furniture Apparel Beverages Dairy Seeds Mining Steel Glass Ceramics "
    "Insurance Finance Telecom Security Medical Diagnostics Agritech Recycling Water"
)
EN_THIRD = ["International", "Group", "Partners", "Europe", "Trading", "Services", "Works"]
EN_FORMS = {
    "DE": [("GmbH", "Gesellschaft mbH"), ("AG", "Aktiengesellschaft")],
    "US": [("Inc.", "Incorporated"), ("LLC", "L.L.C."), ("Corp.", "Corporation")],
    "GB": [("Ltd", "Limited"), ("PLC", "Public Limited Company")],
    "FR": [("S.A.", "SA"), ("SAS", "S.A.S."), ("SARL", "S.A.R.L.")],
}  # fmt: skip
EN_CITIES = {
    "DE": [("Hamburg", "20"), ("München", "80"), ("Berlin", "10"), ("Köln", "50"),
           ("Frankfurt am Main", "60"), ("Stuttgart", "70"), ("Düsseldorf", "40"),
           ("Leipzig", "04"), ("Dortmund", "44"), ("Bremen", "28"), ("Hannover", "30"),
           ("Nürnberg", "90")],
    "US": [("Chicago", "606"), ("Dallas", "752"), ("Boston", "021"), ("Seattle", "981"),
           ("Houston", "770"), ("Phoenix", "850"), ("Denver", "802"), ("Atlanta", "303"),
           ("Detroit", "482"), ("Portland", "972"), ("Austin", "787"), ("Miami", "331")],
    "GB": [("London", "EC"), ("Leeds", "LS"), ("Bristol", "BS"), ("Birmingham", "B"),
           ("Manchester", "M"), ("Glasgow", "G"), ("Liverpool", "L"), ("Sheffield", "S"),
           ("Cardiff", "CF"), ("Edinburgh", "EH"), ("Nottingham", "NG"), ("Oxford", "OX")],
    "FR": [("Lyon", "690"), ("Paris", "750"), ("Lille", "590"), ("Nantes", "440"),
           ("Marseille", "130"), ("Toulouse", "310"), ("Bordeaux", "330"), ("Nice", "060"),
           ("Strasbourg", "670"), ("Rennes", "350"), ("Grenoble", "380"), ("Dijon", "210")],
}  # fmt: skip
EN_TLD = {"DE": "de", "US": "com", "GB": "co.uk", "FR": "fr"}
EN_PHONE = {"DE": "49", "US": "1", "GB": "44", "FR": "33"}
EN_STREETS = _words(
    "Main Oak Mill Park High Church Station Harbour Market Bridge King Queen Garden Lake "
    "Elm Cedar Hill Forest River Spring Maple Pine Willow Chestnut Birch Meadow Victoria "
    "Albert Castle Abbey Green Union Commerce Industrial Railway Canal Harbor Ocean "
    "Sunset Washington Lincoln Jefferson Franklin Madison Grove Orchard Vine Beech"
)
STREET_TYPES = [("Street", "St."), ("Road", "Rd"), ("Avenue", "Ave"), ("Lane", "Ln"),
                ("Drive", "Dr."), ("Boulevard", "Blvd")]  # fmt: skip
DE_STREETS = _words(
    "Haupt Bahnhof Kirch Schul Garten Berg Wald Linden Mühlen Industrie Hafen Markt "
    "Rosen Birken Eichen Schiller Goethe Bismarck Friedrich Wilhelm Kaiser König Dorf "
    "Feld Wiesen Sonnen Ring Tal Post"
)
DE_STREET_TYPES = [("straße", "str."), ("weg", "weg"), ("allee", "allee"), ("platz", "pl.")]
FR_STREET_TYPES = [("rue", "r."), ("avenue", "av."), ("boulevard", "bd")]

ZH_CHARS = _words(
    "华 信 中 科 东 方 恒 通 金 达 宏 远 天 成 博 创 瑞 丰 鼎 盛 鸿 运 永 泰 嘉 禾 "
    "新 元 汇 明 德 长 城 海 世 卓 越 光 致 佳 美 腾 飞 万 象 安 富 兴 业 夏 锦 程 正 "
    "星 辰 云 帆 宝 润 泽 隆 益 康 凯 旋 航 同 和 联 振 银 河 扬 国 青 松 立 凯 晨 睿 "
    "智 聚 源 森 辉 力 豪 弘 启 捷 朗 铭 鑫 昊 邦 思 维 普"
)
ZH_MIDDLE = _words(
    "浦东 张江 滨江 智能 数字 精密 绿色 环球 华东 南方 北方 新能 云端 互联 未来 "
    "先进 海洋 航空 生物 光电 网络 信息 工业 国际"
)
ZH_INDUSTRY = _words(
    "科技 贸易 物流 电子 机械 医药 化工 食品 能源 软件 材料 设备 咨询 实业 制造 "
    "投资 建设 环保 汽车 服装 家居 农业 传媒 包装 仪器 通信 纺织 新材料 半导体"
)
ZH_FORMS = [("有限公司", "有限责任公司"), ("股份有限公司", "股份公司")]
ZH_CITIES = [
    ("上海", "200", "浦东新区", "21"), ("北京", "100", "朝阳区", "10"),
    ("深圳", "518", "南山区", "755"), ("广州", "510", "天河区", "20"),
    ("杭州", "310", "西湖区", "571"), ("苏州", "215", "工业园区", "512"),
    ("南京", "210", "鼓楼区", "25"), ("成都", "610", "高新区", "28"),
    ("武汉", "430", "洪山区", "27"), ("天津", "300", "滨海新区", "22"),
    ("重庆", "400", "渝北区", "23"), ("西安", "710", "雁塔区", "29"),
    ("青岛", "266", "市南区", "532"), ("宁波", "315", "鄞州区", "574"),
]  # fmt: skip
ZH_ROADS = _words(
    "世纪大道 南京西路 中山路 人民路 建国路 科技园路 长江路 解放路 延安路 黄河路 "
    "淮海路 湖滨路 高新大道 创业路 学府路 和平路 东风路 金融街 滨海大道 新华路"
)
LETTERS = "abcdefghijklmnopqrstuvwxyz"
