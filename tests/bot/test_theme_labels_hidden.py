"""A quote staff hid lends no word to its theme's automatic label, however the label is made."""

from sqlalchemy.engine import Engine

from bot.jobs.themes import assign_pending
from bot.services.themes import rebuild_themes, relabel
from flows.theme_labels import labels
from flows.themes import ThemeModel, assign
from storage import queries
from storage.engine import session_scope
from tests.themes_data import NOW, clock, save, themes_of

SHOWN = ["Bussen er skitten", "Bussen stopper brått"]
HIDDEN = ["Sjåføren Hansen på bussen er frekk", "Hansen kjører bussen altfor fort"]


def label_of(engine: Engine, theme_id: int) -> dict[str, str]:
    with session_scope(engine) as session:
        theme = queries.get_theme(session=session, theme_id=theme_id)
        assert theme is not None
        return dict(theme.labels or {})


def hide(engine: Engine, *problem_ids: int, relabelled: bool = False) -> None:
    """Hide quotes as the workspace does: the flag, the log line and the label, together."""
    with session_scope(engine) as session:
        for problem_id in problem_ids:
            assert queries.set_quote_hidden(
                session=session, problem_id=problem_id, hidden=True, telegram_id=1, now=NOW
            )
            theme = queries.problem_themes(session=session, ids=[problem_id])[problem_id]
            if relabelled and theme is not None:
                relabel(session, theme_id=theme, now=NOW)


def test_words_only_hidden_quotes_share_are_left_out_of_the_label() -> None:
    model = ThemeModel()
    for text in SHOWN + HIDDEN:
        model, found = assign(model, text, "nb")
    assert labels(model, found.theme_id)["nb"] == "buss · hansen"  # the driver's name
    withheld = [(text, "nb") for text in HIDDEN]
    assert labels(model, found.theme_id, withheld) == {"nb": "buss", "nn": "buss", "en": "bus"}


def test_hiding_a_quote_takes_its_words_out_of_the_stored_label(engine: Engine) -> None:
    ids = [save(engine, text, who=f"r{n}") for n, text in enumerate(SHOWN + HIDDEN)]
    assign_pending(engine, clock=clock)
    theme = themes_of(engine)[ids[0]] or 0
    assert "hansen" in label_of(engine, theme)["nb"]
    hide(engine, *ids[2:], relabelled=True)
    assert label_of(engine, theme)["nb"] == "buss"
    rebuild_themes(engine, now=NOW)  # a rebuild labels afresh, still without them
    rebuilt = themes_of(engine)[ids[0]] or 0
    assert rebuilt != theme and label_of(engine, rebuilt)["nb"] == "buss"


def test_quotes_hidden_before_their_theme_is_formed_lend_no_word(engine: Engine) -> None:
    ids = [save(engine, text, who=f"r{n}") for n, text in enumerate(SHOWN + HIDDEN)]
    hide(engine, *ids[2:])
    assign_pending(engine, clock=clock)
    assert label_of(engine, themes_of(engine)[ids[0]] or 0)["nb"] == "buss"
