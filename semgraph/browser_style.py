"""The Neo4j Browser style (GraSS) derived from the ontology.

Colours follow the business area of each class, captions show a human name where the
class has one (``name``, ``title``, a number) and the id otherwise, so that
``MATCH (c:Customer)-[r]-(x) RETURN * LIMIT 50`` draws a readable picture. Classes only
an administrator may write (``ontology/access.ttl``) get a thick border.
"""

from __future__ import annotations

from semgraph.access.rights import WriteRights
from semgraph.ontology.model import Ontology

# (fill, border, text) per business area; chosen to stay distinguishable side by side.
AREA_COLOURS: dict[str, tuple[str, str, str]] = {
    "sales": ("#4C8EDA", "#2870C2", "#FFFFFF"),
    "service": ("#F79767", "#F36924", "#FFFFFF"),
    "finance": ("#57C7E3", "#23B3D7", "#2A2C34"),
    "legal": ("#8DCC93", "#5DB665", "#2A2C34"),
    "operations": ("#FFC454", "#D7A013", "#2A2C34"),
    "hr": ("#D9C8AE", "#C0A378", "#2A2C34"),
    "master-data": ("#C990C0", "#B261A5", "#FFFFFF"),
}
_DEFAULT = ("#A5ABB6", "#9AA1AC", "#2A2C34")
_CAPTION_PREFERENCE = (
    "name",
    "title",
    "contractNumber",
    "orderNumber",
    "invoiceNumber",
    "quoteNumber",
    "subject",
    "tier",
    "period",
    "key",
    "sourceSystem",
)
# Every business entity also carries :Resource. The Browser gives a label without a rule a
# generated colour and appends that rule last, where it would override the class colour;
# a neutral rule placed before the class rules keeps the class colour in front.
_RESOURCE_LABEL = "Resource"
_LARGE = {"Customer": 80, "Contract": 70, "ServiceLevelAgreement": 70}
_SIZE = 60
_ADMIN_ONLY_BORDER = 6  # px: only an administrator writes these (people, roles, …)
_META_LABELS = {
    "OntologyClass": ("#E0E0E0", "#BDBDBD", "#2A2C34", "{label}"),
    "OntologyProperty": ("#F5F5F5", "#BDBDBD", "#2A2C34", "{name}"),
    "SourceSystem": ("#6D6875", "#4A4650", "#FFFFFF", "{label}"),
    "FieldMapping": ("#B5838D", "#8E5F69", "#FFFFFF", "{sourceField}"),
    "ChangeEvent": ("#FFD86E", "#EDBA39", "#2A2C34", "{summary}"),
    "RiskAlert": ("#F25A29", "#DC4717", "#FFFFFF", "{titleEn}"),  # the node has titleEn/titleZh
    "Rule": ("#604A0E", "#423204", "#FFFFFF", "{name}"),
}


def caption_property(ontology: Ontology, cls: str) -> str:
    """The property shown as the caption of a node of class ``cls``."""
    props = ontology.datatype_properties(cls)
    return next((p for p in _CAPTION_PREFERENCE if p in props), "id")


def _block(
    selector: str, fill: str, border: str, text: str, caption: str, size: int, width: int = 2
) -> str:
    return (
        f"{selector} {{\n  color: {fill};\n  border-color: {border};\n"
        f"  border-width: {width}px;\n"
        f"  text-color-internal: {text};\n  caption: '{caption}';\n  diameter: {size}px;\n}}\n"
    )


def admin_only(rights: WriteRights, cls: str) -> bool:
    """True when only an administrator may create, update or delete entities of ``cls``;
    the style draws those classes with a thick border."""
    return all(roles == ["admin"] for roles in rights.writers(cls).values())


def grass(ontology: Ontology) -> str:
    """The GraSS text for the Neo4j Browser."""
    out = [
        _block("node", *_DEFAULT, "{id}", _SIZE),
        "relationship {\n  color: #A5ABB6;\n  shaft-width: 1px;\n  font-size: 8px;\n"
        "  padding: 3px;\n  text-color-external: #000000;\n  text-color-internal: #FFFFFF;\n"
        "  caption: '<type>';\n}\n",
        _block(f"node.{_RESOURCE_LABEL}", *_DEFAULT, "{id}", _SIZE),
    ]
    rights = WriteRights.of(ontology)
    for name, cls in sorted(ontology.classes.items()):
        if cls.abstract:
            continue
        fill, border, text = AREA_COLOURS.get(cls.business_area or "", _DEFAULT)
        size = _LARGE.get(name, _SIZE)
        caption = "{" + caption_property(ontology, name) + "}"
        width = _ADMIN_ONLY_BORDER if admin_only(rights, name) else 2
        out.append(_block(f"node.{name}", fill, border, text, caption, size, width))
    for label, (fill, border, text, caption) in _META_LABELS.items():
        out.append(_block(f"node.{label}", fill, border, text, caption, 45))
    return "\n".join(out)
