"""结业证书 as PDF (reportlab, built-in CID font for Chinese), with a QR code that opens the verification page."""

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def certificate_pdf(cert, verify_url: str) -> bytes:
    font = _font()
    e = cert.enrolment
    out = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(out, pagesize=(width, height))
    c.setTitle(f"结业证书 {cert.number}")
    c.setStrokeColorRGB(0.72, 0.11, 0.11)
    c.setLineWidth(4)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setFillColorRGB(0.72, 0.11, 0.11)
    c.setFont(font, 40)
    c.drawCentredString(width / 2, height - 50 * mm, "结 业 证 书")
    c.setFillColorRGB(0, 0, 0)
    c.setFont(font, 20)
    lines = [
        f"{e.member.name} 同志（{e.member.branch.name}）：",
        f"于 {e.klass.start:%Y年%m月%d日} 至 {e.klass.end:%Y年%m月%d日} 参加“{e.klass.name}”，",
        "完成规定课程，经考核合格，准予结业。",
    ]
    y = height - 80 * mm
    for line in lines:
        c.drawString(35 * mm, y, line)
        y -= 14 * mm
    c.setFont(font, 14)
    c.drawString(35 * mm, 30 * mm, f"证书编号：{cert.number}")
    c.drawString(35 * mm, 22 * mm, f"发证日期：{cert.issued:%Y年%m月%d日}")
    c.drawRightString(width - 70 * mm, 30 * mm, f"{e.klass.district.name}党支部规范化建设实训中心")
    size = 40 * mm
    widget = QrCodeWidget(verify_url)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, width - 62 * mm, 18 * mm)
    c.setFont(font, 9)
    c.drawCentredString(width - 42 * mm, 16 * mm, "扫码核验真伪")
    c.showPage()
    c.save()
    return out.getvalue()
