"""HTML to PDF (WeasyPrint), for the documents members hand on: a renewal pack, a portfolio.

A document's template carries its own print CSS and inlines every image (SVG or `data:` URLs):
nothing is fetched from the network or the disk while it is laid out, so a document cannot be
made to read a local file or call an internal address through a link in what a member typed.

Every document is a tagged PDF (PDF/UA-1: its structure, reading order and alternative texts for
screen readers), titled by the template's `<title>` and in the language of `<html lang>`: the
reader's.

    pdf = html_to_pdf(render_template("x.pdf.html", footer=page_footer(_("Pack of %(name)s", ...))),
                      base_url=links.absolute("dashboard.index"))"""

import segno
from markupsafe import Markup

PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """The document's PDF bytes, tagged. `base_url` resolves relative links in the document (they
    stay links in the PDF; nothing is fetched through them)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    only_inline = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)  # anything else is refused
    return HTML(string=html, base_url=base_url, url_fetcher=only_inline).write_pdf(pdf_variant=PDF_VARIANT)


def qr_code(link: str, label: str) -> Markup:
    """`link` as a QR code for a document: an SVG image (about 2.5 cm wide on paper) inlined as a
    `data:` URL, with `label` as its text alternative (an image a tagged PDF describes)."""
    uri = segno.make(link, error="m").svg_data_uri(scale=2)
    return Markup('<img class="qr-code" src="{}" alt="{}">').format(uri, label)


def css_string(text: str) -> str:
    """`text` as a CSS string literal, for `content:` in an `@page` margin box."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_footer(name: str) -> dict:
    """The running footer of a document, as CSS `content` values for its `@page` margin boxes
    (templates/documents/print_page.html): `name` on the left, "Page 2 of 5" on the right in
    the reader's language, the page counters where the translation puts the numbers."""
    from diaspora.core.i18n import _

    page, pages = "\x00PAGE\x00", "\x00PAGES\x00"
    sentence = _("Page %(page)s of %(pages)s", page=page, pages=pages)
    pieces = []
    for chunk in sentence.replace(pages, "\x01pages\x01").replace(page, "\x01page\x01").split("\x01"):
        if chunk in ("page", "pages"):
            pieces.append(f"counter({chunk})")
        elif chunk:
            pieces.append(css_string(chunk))
    return {"pages": " ".join(pieces), "name": css_string(name)}
