"""Our own GS1 Digital Link resolver: which links a product's Digital Link URI leads to, as a
linkset (RFC 9264 JSON, the format of the GS1 Digital Link / resolver standards), and where
a browser goes. Paths only: the caller joins them to the public base URL."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from app.core.codes import ScannedCode, parse_scanned
from app.core.errors import InvalidCode, NotFound
from app.core.footprints import ProductFootprint
from app.core.messages import Message, _

GS1_VOC = "https://gs1.org/voc/"
#: The media type of a linkset (RFC 9264).
LINKSET_TYPE = "application/linkset+json"
#: The link types this resolver serves, in the order a linkset lists them.
LINK_TYPES = ("pip", "sustainabilityInfo", "certificationInfo", "defaultLink")


@dataclass(frozen=True)
class Link:
    href: str  # a path under the public base URL
    title: Message
    type: str  # media type of the target


def parse_link_path(path: str, *, base_url: str) -> ScannedCode:
    """The product a Digital Link path (``/01/{gtin}[/10/{batch}][/21/{serial}]``) under
    ``base_url`` names.

    Raises InvalidCode for a wrong check digit or a malformed path (biip decides).
    """
    key = path.split("/")[2] if path.count("/") >= 2 else ""
    if not (key.isdigit() and len(key) in (8, 12, 13, 14)):
        # The standard's path form: GTIN-8, -12, -13 or -14 (biip would pad even 3 digits).
        raise InvalidCode(
            _(
                "'%(key)s' in a Digital Link path is not a GTIN of 8, 12, 13 or 14 digits.",
                key=key[:20],
            ),
            input=path[:80],
        )
    code = parse_scanned(base_url.rstrip("/") + path, public_base_url=base_url)
    if code.format != "gs1-digital-link" or code.gtin is None:
        raise InvalidCode(
            _("'%(path)s' is not a GS1 Digital Link path.", path=path[:80]), input=path[:80]
        )
    return code


def digital_link_path(gtin: str, batch: str | None = None, serial: str | None = None) -> str:
    """The canonical Digital Link path of a product (GTIN-14, optional batch and serial)."""
    path = f"/01/{gtin}"
    if batch:
        path += f"/10/{quote(batch, safe='')}"
    if serial:
        path += f"/21/{quote(serial, safe='')}"
    return path


def label_image_path(gtin: str) -> str:
    """Where the product's label image (SVG) is served."""
    return f"/v1/products/{gtin}/label.svg"


def product_page(footprint: ProductFootprint) -> str:
    """Where a person who scans the product goes: its product page (label, stages, category
    comparison, certificate history)."""
    return f"/p/{footprint.product.gtin}"


def links(footprint: ProductFootprint) -> dict[str, list[Link]]:
    """The links of a product, by GS1 link type (unqualified names, e.g. 'pip')."""
    gtin = footprint.product.gtin
    page = Link(product_page(footprint), _("Product carbon footprint"), "text/html")
    found: dict[str, list[Link]] = {
        "pip": [page],
        "sustainabilityInfo": [
            Link(f"/v1/products/{gtin}", _("Product carbon footprint"), "application/json"),
            Link(label_image_path(gtin), _("Carbon footprint label"), "image/svg+xml"),
        ],
        "certificationInfo": [],
        "defaultLink": [page],
    }
    if footprint.current is not None:
        number = quote(footprint.current.certificate.number, safe="")
        found["certificationInfo"] = [
            Link(f"/c/{number}", _("Certificate"), "text/html"),
            Link(f"/v1/certificates/{number}", _("Certificate"), "application/json"),
        ]
    return {kind: found[kind] for kind in LINK_TYPES if found[kind]}


def link_type(value: str) -> str:
    """A ``linkType`` parameter ('gs1:pip', 'https://gs1.org/voc/pip', 'pip') as its
    unqualified name; 'all' stays 'all'. Raises NotFound for a type this resolver lacks."""
    name = value.removeprefix("gs1:").removeprefix(GS1_VOC)
    if name == "all" or name in LINK_TYPES:
        return name
    raise NotFound(
        _(
            "No link of type '%(value)s': use all or one of %(types)s.",
            value=value[:60],
            types=", ".join(f"gs1:{t}" for t in LINK_TYPES),
        ),
        link_type=value[:60],
    )


def linkset(
    footprint: ProductFootprint,
    *,
    anchor_path: str,
    base_url: str,
    languages: Sequence[str],
    translate: Callable[[Message, str], str],
    only: str | None = None,
) -> dict:
    """The product's links as an RFC 9264 linkset, hrefs absolute under ``base_url``; ``only``
    keeps one link type. ``translate(message, language)`` renders each title in every one of
    ``languages`` (RFC 9264 ``title*`` entries), the first (the default) as ``title``."""
    base = base_url.rstrip("/")
    context: dict[str, object] = {"anchor": base + anchor_path}
    for kind, targets in links(footprint).items():
        if only not in (None, "all", kind):
            continue
        context[GS1_VOC + kind] = [
            {
                "href": base + link.href,
                "title": translate(link.title, languages[0]),
                "title*": [
                    {"value": translate(link.title, language), "language": language}
                    for language in languages
                ],
                "type": link.type,
                "hreflang": list(languages),
            }
            for link in targets
        ]
    return {"linkset": [context]}
