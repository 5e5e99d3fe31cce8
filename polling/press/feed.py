"""The press room's Atom feed (RFC 4287), built with the standard library's ElementTree."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from polling.press.models import Report

ATOM = "http://www.w3.org/2005/Atom"


def atom(reports: list[Report], *, base_url: str) -> bytes:
    """An Atom document of published reports, newest first; each entry links to its page and PDF."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(root, f"{{{ATOM}}}title").text = "Pulse press room: physician poll reports"
    ET.SubElement(root, f"{{{ATOM}}}id").text = f"{base_url}/press"
    ET.SubElement(root, f"{{{ATOM}}}link", href=f"{base_url}/press/feed.atom", rel="self")
    ET.SubElement(root, f"{{{ATOM}}}link", href=f"{base_url}/press", rel="alternate")
    updated = max((r.published_at for r in reports if r.published_at), default=None)
    ET.SubElement(root, f"{{{ATOM}}}updated").text = (
        updated.isoformat() if updated else "1970-01-01T00:00:00+00:00"
    )
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Pulse"
    for report in reports:
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        page = f"{base_url}/press/{report.id}"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = page
        ET.SubElement(entry, f"{{{ATOM}}}title").text = report.title_en
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = (report.published_at or report.built_at).isoformat()
        ET.SubElement(entry, f"{{{ATOM}}}link", href=page, rel="alternate", type="text/html")
        ET.SubElement(
            entry, f"{{{ATOM}}}link", href=f"{page}/report.pdf", rel="enclosure", type="application/pdf"
        )
        ET.SubElement(entry, f"{{{ATOM}}}category", term=report.topic)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = (
            " ".join(report.sentences_in("en")) or report.title_en
        )
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
