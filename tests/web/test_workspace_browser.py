"""The workspace in a real browser: signing in, the pages, actions, safety and the keyboard."""

import csv
import io
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest

from storage import queries
from tests.web.conftest import STAFF_ID, XSS_IMAGE, Workspace

# One Chromium serves the file's tests: they run in the loop it was started in.
# One xdist worker runs the whole file: one Chromium starts for it (tests/web/conftest.py), not
# one on every worker that happens to get one of its tests.
pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.xdist_group("browser-workspace"),
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGES = ("/", "/themes", "/problems", "/workshops", "/map")


async def signed_in(browser: Any, workspace: Workspace, viewport: dict[str, int] = DESKTOP) -> Any:
    """Open a new browser context and sign in with a fresh link; return its page."""
    context = await browser.new_context(viewport=viewport, accept_downloads=True)
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    link = workspace.link()
    assert link is not None
    await page.goto(link)
    await page.get_by_role("button", name="Logg inn").click()
    await page.wait_for_url(workspace.url + "/")
    return page


async def test_sign_in_by_link_opens_every_page_on_phone_and_desktop(browser, workspace):
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = await signed_in(browser, workspace, viewport)
        cookie = (await page.context.cookies())[0]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        for path in PAGES:
            response = await page.goto(workspace.url + path)
            assert response.status == 200
            assert response.headers["x-frame-options"] == "DENY"
            assert "script-src 'self'" in response.headers["content-security-policy"]
            name = path.strip("/") or "overview"
            await page.screenshot(path=workspace.shots / f"{name}-{label}.png", full_page=True)
        theme = await page.goto(workspace.url + "/themes")
        assert theme.status == 200
        await page.locator("table.data tbody th a").first.click()
        await page.screenshot(path=workspace.shots / f"theme-{label}.png", full_page=True)
        await page.context.close()


async def test_a_used_or_expired_link_is_refused(browser, workspace):
    page = await signed_in(browser, workspace)
    await page.context.clear_cookies()
    link = workspace.link()
    await page.goto(link)
    await page.get_by_role("button", name="Logg inn").click()
    await page.goto(link)
    await page.get_by_role("button", name="Logg inn").click()
    assert "allerede brukt" in await page.inner_text("main")
    stale = workspace.link()
    workspace.clock.now += timedelta(minutes=11)
    await page.context.clear_cookies()
    await page.goto(stale)
    await page.get_by_role("button", name="Logg inn").click()
    assert "utløpt" in await page.inner_text("main")
    response = await page.goto(workspace.url + "/")
    assert response.status == 401


async def test_bad_links_are_rate_limited(browser, workspace):
    page = await (await browser.new_context()).new_page()
    statuses = []
    for attempt in range(7):
        await page.goto(f"{workspace.url}/signin/not-a-real-token-{attempt}")
        response = await page.request.post(f"{workspace.url}/signin/not-a-real-token-{attempt}")
        statuses.append(response.status)
    assert statuses[:5] == [400] * 5
    assert statuses[5:] == [429, 429]


async def test_non_staff_get_no_link_and_no_page(browser, workspace):
    assert workspace.link(telegram_id=999) is None
    page = await (await browser.new_context()).new_page()
    response = await page.goto(workspace.url + "/themes")
    assert response.status == 401
    assert "/workspace" in await page.inner_text("main")


async def test_removing_a_staff_member_ends_their_session(browser, workspace):
    page = await signed_in(browser, workspace)
    assert (await page.goto(workspace.url + "/problems")).status == 200
    workspace.context.db.call(queries.remove_staff, telegram_id=STAFF_ID)
    response = await page.goto(workspace.url + "/problems")
    assert response.status == 401


async def test_sign_out_ends_the_session(browser, workspace):
    page = await signed_in(browser, workspace)
    await page.get_by_role("button", name="Logg ut").click()
    assert "logget ut" in await page.inner_text("main")
    assert (await page.goto(workspace.url + "/")).status == 401


async def test_filtering_themes_by_group_lives_in_the_url(browser, workspace):
    page = await signed_in(browser, workspace)
    await page.goto(workspace.url + "/themes")
    everything = await page.locator("table.data tbody tr").count()
    await page.get_by_label("Gruppe").select_option("senior")
    await page.get_by_role("button", name="Vis").click()
    assert "group=senior" in page.url
    seniors = await page.locator("table.data tbody tr").count()
    assert 0 < seniors < everything
    await page.screenshot(path=workspace.shots / "themes-senior.png", full_page=True)


async def _theme_rows(page: Any) -> dict[str, int]:
    rows = {}
    for row in await page.locator("table.data tbody tr").all():
        link = row.locator("th a")
        href = await link.get_attribute("href")
        rows[href] = await row.locator("td.num").first.inner_text()
    return rows


async def test_merging_two_themes_changes_the_counts(browser, workspace):
    page = await signed_in(browser, workspace)
    await page.goto(workspace.url + "/themes?period=all")
    before = await _theme_rows(page)
    assert len(before) >= 2
    (keep, _), (absorb, _) = list(before.items())[:2]
    await page.goto(workspace.url + absorb)
    await page.get_by_label("Flytt alle problemene inn i tema nr.").fill(keep.rsplit("/", 1)[1])
    await page.get_by_role("group", name="Slå sammen").get_by_role("button").click()
    assert page.url.endswith("done=merged")
    await page.goto(workspace.url + "/themes?period=all")
    after = await _theme_rows(page)
    assert absorb not in after and len(after) == len(before) - 1
    assert int(after[keep].lstrip("<")) > int(before[keep].lstrip("<"))


async def test_hiding_a_quote_is_logged_and_reversible(browser, workspace):
    page = await signed_in(browser, workspace)
    await page.goto(workspace.url + "/themes?period=all")
    await page.locator("table.data tbody th a").first.click()
    quote = page.locator("ul.quotes li").first
    await quote.get_by_role("button", name="Skjul sitat").click()
    assert page.url.endswith("done=hidden")
    assert await page.locator("ul.quotes li.hidden").count() == 1
    assert f"Skjult av {STAFF_ID}" in await page.inner_text("ul.quotes")
    assert "hide problem:" in await page.inner_text("ul.log")
    await page.locator("ul.quotes li.hidden").get_by_role("button", name="Vis sitat igjen").click()
    assert await page.locator("ul.quotes li.hidden").count() == 0


async def test_a_post_without_the_csrf_token_is_refused(browser, workspace):
    page = await signed_in(browser, workspace)
    response = await page.request.post(
        workspace.url + "/themes/1/rename", form={"label": "kapret"}
    )
    assert response.status == 403
    await page.goto(workspace.url + "/themes?period=all")
    assert "kapret" not in await page.inner_text("main")


async def test_resident_markup_is_shown_as_text_never_run(browser, workspace):
    page = await signed_in(browser, workspace)
    await page.goto(workspace.url + "/problems?period=all&text=onerror")
    assert XSS_IMAGE.split("<")[0].strip() in await page.inner_text("main")
    assert '<img src=x onerror="window.pwned = 2">' in await page.inner_text("main")
    await page.goto(workspace.url + "/problems?period=all&text=script")
    assert "<script>" in await page.inner_text("main")
    assert await page.evaluate("window.pwned === undefined")
    assert await page.locator("main img").count() == 0


async def test_export_gives_exactly_the_filtered_view(browser, workspace):
    page = await signed_in(browser, workspace)
    await page.goto(workspace.url + "/problems?period=all&area=biri")
    shown = await page.locator("table.data tbody tr").count()
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="CSV").click()
    download = await waiting.value
    text = (await download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == shown == 10
    assert {row["area"] for row in rows} == {"biri"}
    assert list(rows[0])[:4] == ["id", "created_at", "local_time", "language"]  # as the CLI


async def test_a_keyboard_walks_the_main_pages(browser, workspace):
    page = await signed_in(browser, workspace)
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Oversikt"
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.wait_for_url(workspace.url + "/themes")
    for path in PAGES:
        await page.goto(workspace.url + path)
        unlabelled = await page.evaluate(
            """[...document.querySelectorAll('input:not([type=hidden]), select')]
               .filter(e => !e.labels.length && !e.getAttribute('aria-label')).length"""
        )
        assert unlabelled == 0, path
        outline = await page.evaluate(
            """(() => { const a = document.querySelector('nav a'); a.focus();
               return getComputedStyle(a).outlineStyle; })()"""
        )
        assert outline != "none", path


LABEL_BOXES = """() => [...document.querySelectorAll('.chart svg text')]
    .filter((t) => t.textContent.includes('.') && getComputedStyle(t).display !== 'none')
    .map((t) => {
      const r = t.getBoundingClientRect();
      const chart = t.ownerSVGElement.getBoundingClientRect();
      return [r.left, r.right, r.height, r.left >= chart.left && r.right <= chart.right];
    })"""


async def test_week_labels_of_the_charts_stay_apart_and_readable(browser, workspace):
    for viewport in (PHONE, DESKTOP):
        page = await signed_in(browser, workspace, viewport)
        await page.goto(workspace.url + "/themes")
        await page.locator("table.data tbody th a").first.click()
        await page.wait_for_url("**/themes/*")  # the theme's own page, loaded, not the table
        for path in ("", "/"):  # the theme's 26-week timeline, then the overview's 12 weeks
            if path:
                await page.goto(workspace.url + path)
            boxes = sorted(await page.evaluate(LABEL_BOXES))
            assert len(boxes) >= 6, (viewport, path, boxes)
            for (_, right, *_), (left, *_) in pairwise(boxes):
                assert right + 2 <= left, (viewport, path, boxes)  # no two labels touch
            assert min(height for _, _, height, _ in boxes) >= 10, (viewport, path, boxes)
            assert all(inside for *_, inside in boxes), (viewport, path, boxes)  # none cut off
        await page.context.close()


MAP_BOXES = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; };
  const chart = document.querySelector('.map svg').getBoundingClientRect();
  return [...document.querySelectorAll('.map svg a')].map((a) => ({
    label: a.querySelector('title').textContent,
    text: a.querySelector('text') ? box(a.querySelector('text')) : null,
    dot: a.querySelector('circle') ? box(a.querySelector('circle')) : null,
    inside: [chart.left, chart.top, chart.right, chart.bottom],
  }));
}"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


async def test_every_place_on_the_map_is_named_where_no_other_name_or_dot_covers_it(
    browser, workspace
):
    page = await signed_in(browser, workspace)
    await page.goto(workspace.url + "/map")
    places = await page.evaluate(MAP_BOXES)
    # The seeded interview file puts nine places in Gjøvik, six of them within a few km.
    assert len(places) >= 9 and all(p["text"] for p in places), places
    for place in places:
        text, (left, top, right, bottom) = place["text"], place["inside"]
        assert left <= text[0] and text[2] <= right and top <= text[1] and text[3] <= bottom
        for other in places:
            if other is not place:
                assert not _overlap(text, other["text"]), (place["label"], other["label"])
                assert not other["dot"] or not _overlap(text, other["dot"]), (
                    place["label"],
                    other["label"],
                )
    await page.screenshot(path=workspace.shots / "map-labels.png", full_page=True)
    await page.context.close()
