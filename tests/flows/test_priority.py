"""Priority scores: checkable by hand from their inputs, and re-ordered by the weights."""

from datetime import UTC, datetime

import pytest

from flows.priority import DEFAULT_WEIGHTS, Inputs, Weights, inputs_of, rank, score
from flows.records import ProblemRecord

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def record(n: int, theme: int, **more: object) -> ProblemRecord:
    values: dict[str, object] = {"resident": f"r{n}", "text": f"problem {n}", "language": "nb"}
    values.update(more)
    return ProblemRecord(id=n, created_at=NOW, theme=theme, **values)  # type: ignore[arg-type]


# Theme 1: many residents, mild. Theme 2: few residents, severe and daily.
WIDE = [record(n, 1, severity=2, frequency="monthly", groups=("youth",)) for n in range(30)]
SHARP = [
    record(100 + n, 2, severity=5, frequency="daily", groups=("senior",), area="biri")
    for n in range(3)
]


def test_the_inputs_are_what_staff_would_count() -> None:
    sharp = [*SHARP, record(200, 2, resident="", endorsements=4), record(201, 2, resident="")]
    inputs = inputs_of(sharp)
    # 3 residents, 2 erased ones (each counted once) and 4 endorsements.
    assert inputs == Inputs(problems=5, reach=9, severity=5.0, per_year=365.0, groups=1, areas=1)
    assert inputs.breadth == 2


def test_a_score_can_be_recomputed_from_the_documented_formula() -> None:
    inputs = Inputs(problems=3, reach=3, severity=5.0, per_year=365.0, groups=1, areas=1)
    # reach log(4)/log(51) = 0.3526, severity 1, frequency 1, breadth 2/8 = 0.25
    expected = 100 * (0.4 * 0.35259 + 0.3 * 1 + 0.15 * 1 + 0.15 * 0.25) / 1.0
    assert score(inputs) == round(expected) == 63


def test_nothing_known_scores_only_its_reach() -> None:
    inputs = Inputs(problems=1, reach=1, severity=None, per_year=None, groups=0, areas=0)
    assert score(inputs, Weights(reach=0, severity=1, frequency=1, breadth=1)) == 0


def test_the_order_follows_the_weights() -> None:
    records = WIDE + SHARP
    assert [
        p.theme for p in rank(records, Weights(reach=1, severity=0, frequency=0, breadth=0))
    ] == [1, 2]
    assert [
        p.theme for p in rank(records, Weights(reach=0, severity=1, frequency=0, breadth=0))
    ] == [2, 1]
    assert [p.theme for p in rank(records, DEFAULT_WEIGHTS)] == [2, 1]
    heavy_reach = Weights(reach=0.8, severity=0.1, frequency=0.05, breadth=0.05)
    assert [p.theme for p in rank(records, heavy_reach)] == [1, 2]


def test_problems_without_a_theme_are_not_ranked() -> None:
    assert rank(
        [record(1, 1), ProblemRecord(id=2, created_at=NOW, resident="r2", text="x", language="nb")]
    ) == rank([record(1, 1)])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reach=1, severity=2", Weights(reach=1, severity=2)),
        ("", DEFAULT_WEIGHTS),
        (" BREADTH = 0.5 ", Weights(breadth=0.5)),
    ],
)
def test_weights_are_read_from_a_setting(text: str, expected: Weights) -> None:
    assert Weights.parse(text) == expected
    assert Weights.parse(str(expected)) == expected


@pytest.mark.parametrize(
    "text",
    ["speed=1", "reach", "reach=lots", "reach=-1", "reach=0,severity=0,frequency=0,breadth=0"],
)
def test_wrong_weights_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Weights.parse(text)
