"""The workshop poster: A4 PNG and PDF whose QR code decodes to the link, all text on the page."""

import io
from itertools import pairwise

import zxingcpp
from matplotlib.text import Text
from PIL import Image

from bot.artefacts.poster import PNG_DPI, PosterText, draw_poster, poster_pdf, poster_png
from tests.cli import run_cli as innspill

LINK = "https://t.me/innspill_bot?start=ws_biri1"
TEXT = PosterText(
    name="Seniortreff på Biri bibliotek, med kaffe og vafler for alle som kommer",
    when_where="23.11.2026 · Biri",
    link=LINK,
    scan=(
        "Skann med mobilkameraet – det åpner Telegram",
        "Scan with your phone camera — opens Telegram",
    ),
    need_telegram=(
        "Du trenger Telegram: gratis i App Store og Google Play, eller på telegram.org",
        "You need Telegram: free in the App Store and Google Play, or at telegram.org",
    ),
)


def test_the_poster_is_an_a4_png_whose_large_qr_code_opens_the_link() -> None:
    image = Image.open(io.BytesIO(poster_png(TEXT)))
    assert image.size == (round(8.27 * PNG_DPI), round(11.69 * PNG_DPI) - 1)
    [found] = zxingcpp.read_barcodes(image)
    assert found.text == LINK
    box = found.position
    assert box.top_right.x - box.top_left.x > 0.45 * image.width  # 9 cm wide when printed


def test_every_line_of_the_poster_is_on_the_page_and_large_enough_to_read() -> None:
    figure = draw_poster(TEXT)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    texts = [t for t in figure.findobj(Text) if t.get_text() and t.axes is None]
    written = " ".join(t.get_text().replace("\n", " ") for t in texts)
    for part in (LINK, "23.11.2026 · Biri", *TEXT.scan, *TEXT.need_telegram):
        assert part in written
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert figure.bbox.x0 <= extent.x0 and extent.x1 <= figure.bbox.x1, text.get_text()
        assert figure.bbox.y0 <= extent.y0 and extent.y1 <= figure.bbox.y1, text.get_text()
        assert text.get_fontsize() >= 12  # points on paper
    tops = sorted((t.get_window_extent(renderer) for t in texts), key=lambda b: -b.y1)
    assert all(a.y0 >= b.y1 for a, b in pairwise(tops)), "lines overlap"


def test_the_pdf_is_one_a4_page() -> None:
    pdf = poster_pdf(TEXT)
    assert (
        pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1
    )
    assert b"/MediaBox [ 0 0 595.44 841.68 ]" in pdf


def test_workshop_create_writes_the_poster_and_qr_only_the_plain_code(
    database_url: str, tmp_path
) -> None:
    poster = tmp_path / "poster.png"
    made = innspill(
        database_url, tmp_path, "workshop", "create", "--name", "Seniortreff", "--group",
        "senior", "--area", "biri", "--date", "2026-11-23", "--code", "biri1", "--qr",
        str(poster), "--bot-username", "innspill_bot",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert f"A4 poster written to {poster} and {poster.with_suffix('.pdf')}" in made.stdout
    assert Image.open(poster).size[1] > Image.open(poster).size[0]  # portrait page
    assert poster.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    plain = tmp_path / "code.png"
    only = innspill(
        database_url, tmp_path, "workshop", "create", "--name", "Ungdomsråd", "--group",
        "youth", "--area", "biri", "--date", "2026-11-24", "--code", "ung1", "--qr-only",
        "--qr", str(plain), "--bot-username", "innspill_bot",
    )  # fmt: skip
    assert only.returncode == 0, only.stderr
    image = Image.open(plain)
    assert image.size[0] == image.size[1]  # the square code alone
    [found] = zxingcpp.read_barcodes(image)
    assert found.text == "https://t.me/innspill_bot?start=ws_ung1"
