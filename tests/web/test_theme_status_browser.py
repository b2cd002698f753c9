"""A theme's status in the browser: preview who is told, confirm, refuse politely, publish."""

import pytest
from sqlmodel import Session, col, select

from storage import queries
from storage.models import Problem, StaffAction, StatusNotice
from storage.queries.statuses import Target
from tests.web.conftest import NOW, Workspace
from tests.web.test_workspace_browser import PHONE, signed_in

# One Chromium serves the file's tests: they run in the loop it was started in.
# One xdist worker runs the whole file: one Chromium starts for it (tests/web/conftest.py), not
# one on every worker that happens to get one of its tests.
pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.xdist_group("browser-theme-status"),
]
AGREED = (1, 3, 5)  # residents (and their one problem each) who asked to hear back


def _agree(workspace: Workspace) -> int:
    """Let three residents agree to hear back; return the theme of the first one's problem."""
    for resident_id in AGREED:
        workspace.context.db.call(
            queries.record_hear_back,
            resident_id=resident_id,
            version=1,
            chat_id=5000 + resident_id,
            now=NOW,
        )

    def theme_of(session: Session, *, problem_id: int) -> int | None:
        problem = session.get(Problem, problem_id)
        return problem.theme_id if problem else None

    theme = workspace.context.db.call(theme_of, problem_id=AGREED[0])
    assert theme is not None
    assert all(workspace.context.db.call(theme_of, problem_id=p) == theme for p in AGREED)
    return theme


def _owed(session: Session) -> list[int]:
    return list(session.exec(select(StatusNotice.resident_id).order_by(col(StatusNotice.id))))


async def test_a_status_is_previewed_with_its_audience_then_confirmed(browser, workspace):
    theme = _agree(workspace)
    page = await signed_in(browser, workspace)
    await page.goto(f"{workspace.url}/themes/{theme}")
    assert "Status nå: Mottatt" in await page.inner_text("section.status")
    await page.get_by_label("Ny status").select_option("planned")
    await page.get_by_label("Merknad til innbyggerne").fill("Vi ser på rutene til våren.")
    await page.get_by_role("button", name="Forhåndsvis beskjeden").click()
    preview = page.locator(".preview")
    assert "3 innbyggere får denne beskjeden." in await preview.inner_text()
    for language in ("Norsk bokmål", "English"):
        assert language in await preview.locator("figcaption").all_inner_texts()
    assert "Vi ser på rutene til våren." in await preview.inner_text()
    assert workspace.context.db.call(_owed) == []  # a preview stores nothing
    await page.screenshot(path=workspace.shots / "theme-status-preview.png", full_page=True)

    await page.get_by_role("button", name="Bekreft og lagre").click()
    assert page.url.endswith(f"/themes/{theme}?done=status")
    status = await page.inner_text("section.status")
    assert "Status nå: Planlagt" in status
    assert "Vi ser på rutene til våren." in await page.locator("ol.log").inner_text()
    assert sorted(workspace.context.db.call(_owed)) == list(AGREED)
    await page.screenshot(path=workspace.shots / "theme-status-saved.png", full_page=True)
    log = await page.inner_text("ul.log")
    assert f"status theme:{theme} planned, 3 residents to be told" in log


async def test_declining_without_a_reason_is_refused_politely(browser, workspace):
    theme = _agree(workspace)
    page = await signed_in(browser, workspace, PHONE)
    await page.goto(f"{workspace.url}/themes/{theme}")
    await page.get_by_label("Ny status").select_option("declined")
    await page.get_by_role("button", name="Forhåndsvis beskjeden").click()
    alert = page.get_by_role("alert")
    assert "trenger en begrunnelse som innbyggerne kan lese: skriv den i merknaden" in (
        await alert.inner_text()
    )
    assert await page.locator(".preview").count() == 0
    assert await page.get_by_label("Ny status").input_value() == "declined"
    await page.screenshot(path=workspace.shots / "theme-status-refused-phone.png", full_page=True)
    assert workspace.context.db.call(_owed) == []
    history = workspace.context.db.call(queries.status_history, target=Target(theme_id=theme))
    assert history == []


async def test_the_public_toggle_shows_the_theme_on_the_results_page(browser, workspace):
    page = await signed_in(browser, workspace)
    await page.goto(workspace.url + "/themes?period=all")
    link = page.locator("table.data tbody th a").first
    label = await link.inner_text()
    await link.click()
    await page.get_by_role("button", name="Vis på resultatsiden").click()
    assert page.url.endswith("done=public")
    results = workspace.context.db.call(queries.public_results)
    assert [r.label for r in results] == [label]
    await page.get_by_role("button", name="Fjern fra resultatsiden").click()
    assert page.url.endswith("done=private")
    assert workspace.context.db.call(queries.public_results) == []

    def actions(session: Session) -> list[str]:
        return list(session.exec(select(StaffAction.action).order_by(col(StaffAction.id))))

    assert workspace.context.db.call(actions) == ["public", "private"]


async def test_themes_are_filtered_by_status(browser, workspace):
    theme = _agree(workspace)
    page = await signed_in(browser, workspace)
    await page.goto(f"{workspace.url}/themes/{theme}")
    await page.get_by_label("Ny status").select_option("in_progress")
    await page.get_by_role("button", name="Forhåndsvis beskjeden").click()
    await page.get_by_role("button", name="Bekreft og lagre").click()
    await page.goto(workspace.url + "/themes?period=all")
    everything = await page.locator("table.data tbody tr").count()
    assert "Under arbeid" in await page.inner_text("table.data")
    await page.get_by_label("Status").select_option("in_progress")
    await page.get_by_role("button", name="Vis").click()
    assert "status=in_progress" in page.url
    rows = page.locator("table.data tbody tr")
    assert await rows.count() == 1 < everything
    assert await rows.locator("th a").get_attribute("href") == f"/themes/{theme}"
    await page.screenshot(path=workspace.shots / "themes-in-progress.png", full_page=True)
    await page.get_by_label("Status").select_option("received")
    await page.get_by_role("button", name="Vis").click()
    assert await page.locator("table.data tbody tr").count() == everything - 1


async def test_a_status_post_without_the_csrf_token_is_refused(browser, workspace):
    theme = _agree(workspace)
    page = await signed_in(browser, workspace)
    form = {"status": "done", "note": "Ferdig.", "confirm": "yes"}
    response = await page.request.post(f"{workspace.url}/themes/{theme}/status", form=form)
    assert response.status == 403
    assert workspace.context.db.call(_owed) == []


async def test_a_change_whose_log_line_is_refused_is_not_made_at_all(browser, workspace):
    theme = _agree(workspace)
    refuse = (
        "CREATE TRIGGER refuse_log BEFORE INSERT ON staff_action"
        " BEGIN SELECT RAISE(ABORT, 'no log'); END"
    )
    with workspace.context.db.engine.begin() as connection:
        connection.exec_driver_sql(refuse)  # the database itself refuses the log line
    page = await signed_in(browser, workspace)
    await page.goto(f"{workspace.url}/themes/{theme}")
    await page.get_by_label("Ny status").select_option("planned")
    await page.get_by_label("Merknad til innbyggerne").fill("Vi ser på rutene til våren.")
    await page.get_by_role("button", name="Forhåndsvis beskjeden").click()
    async with page.expect_response(f"{workspace.url}/themes/{theme}/status") as answer:
        await page.get_by_role("button", name="Bekreft og lagre").click()
    assert (await answer.value).status == 500
    target = Target(theme_id=theme)
    assert workspace.context.db.call(queries.status_history, target=target) == []
    assert workspace.context.db.call(_owed) == []  # nobody is owed news of a change not made
    with workspace.context.db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER refuse_log")
    await page.goto(f"{workspace.url}/themes/{theme}")
    await page.get_by_label("Ny status").select_option("planned")
    await page.get_by_label("Merknad til innbyggerne").fill("Vi ser på rutene til våren.")
    await page.get_by_role("button", name="Forhåndsvis beskjeden").click()
    await page.get_by_role("button", name="Bekreft og lagre").click()
    assert page.url.endswith(f"/themes/{theme}?done=status")
    assert len(workspace.context.db.call(queries.status_history, target=target)) == 1
    assert f"status theme:{theme} planned, 3 residents" in await page.inner_text("ul.log")
