"""core.pdf: a document fetches nothing but the images inlined in it, and comes out tagged."""

import io

import segno
from pypdf import PdfReader

from diaspora.core import pdf


def test_a_document_draws_its_inline_images_and_fetches_nothing_else(tmp_path):
    local = tmp_path / "secret.png"
    segno.make("on the disk").save(str(local), scale=4)
    inline = segno.make("inline").png_data_uri(scale=4)
    html = (f'<html lang="en"><head><title>Images</title></head><body>'
            f'<img src="{inline}" alt="inline"><img src="{local.as_uri()}" alt="from the disk">'
            f'<img src="http://127.0.0.1:9/internal.png" alt="from the network"></body></html>')
    reader = PdfReader(io.BytesIO(pdf.html_to_pdf(html)))
    assert len(reader.pages[0].images) == 1  # the inline one; the others were refused, not fetched
    assert reader.trailer["/Root"]["/Lang"] == "en" and reader.metadata.title == "Images"
