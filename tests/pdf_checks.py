"""What tools we did not write say of a PDF we make: poppler's pdfinfo, pypdf, qpdf."""

import io
import os
import shutil
import subprocess

import pytest
from pypdf import PdfReader


def need(*tools: str) -> None:
    """Skip the test without these command-line tools, except under CI, where it must run."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} needed (apt-get install -y poppler-utils qpdf zbar-tools)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def pdf_info(pdf: bytes, tmp_path) -> dict[str, str]:
    """What poppler's pdfinfo says of the document."""
    need("pdfinfo", "qpdf")
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return {key.strip(): value.strip() for key, _sep, value in
            (line.partition(":") for line in output.splitlines())}


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The text poppler's pdftotext reads in the document, its line breaks and runs of spaces
    folded to one space (a long cell may wrap)."""
    need("pdftotext")
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True).stdout
    return " ".join(output.decode("utf-8").split())


def assert_tagged(pdf: bytes, tmp_path, title: str, language: str) -> None:
    """A tagged PDF (a structure tree, marked content) with its title and language, and no
    error qpdf can find."""
    info = pdf_info(pdf, tmp_path)
    assert info["Tagged"] == "yes" and info["Title"] == title
    catalog = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert catalog["/Lang"] == language
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    check = subprocess.run(["qpdf", "--check", str(tmp_path / "document.pdf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def figures_alternative_texts(pdf: bytes) -> list[str]:
    """The alternative text of every figure in the structure tree (what a screen reader says)."""
    texts = []

    def walk(element) -> None:
        element = element.get_object()
        if isinstance(element, dict):
            if element.get("/S") == "/Figure":
                texts.append(str(element.get("/Alt", "")))
            kids = element.get("/K", [])
            for kid in kids if isinstance(kids, list) else [kids]:
                walk(kid)

    walk(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"])
    return texts
