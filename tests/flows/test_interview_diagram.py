"""The Mermaid picture of the interview stays true to the code."""

import re
from pathlib import Path

import flows
from flows.state import Step

DIAGRAM = Path(flows.__file__).parent / "interview.mmd"


def test_the_diagram_names_exactly_the_steps_of_the_interview() -> None:
    text = DIAGRAM.read_text(encoding="utf-8")
    drawn = set(re.findall(r"^\s+(\w+) --> ", text, re.M)) | set(re.findall(r"--> (\w+)", text))
    drawn.discard("[*]")
    assert drawn == {step.value for step in Step}
