"""Tell an answer that proposes a solution from one that describes a problem.

The interview is problem-first: "build a bike lane" is kept as a suggestion and the resident is
asked once what problem it would solve. The check is rule-based, clause by clause: a clause is a
*proposal* (an imperative, "should", "there should be", "we need more …", a verbless wish such as
"more buses!") or a *problem* (a negation, a trouble word, a burden such as "I must wait"). Modal
verbs are ambiguous ("I must wait" versus "the municipality must build"), so a modal's subject
and the verb after it decide. A text is a solution when it proposes and never says what goes
wrong: an answer that also describes the problem already gives the interview what it asks for.
"""

import functools
import re
from dataclasses import dataclass, fields
from enum import Enum

from flows.language_rules import SOLUTION_CUES, packaged_rule_book

_HARD_BREAK = re.compile(r"[.!?;:]+(?=\s|$)|,(?!\d)|\n|\s[-–—]\s|[()]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


class _Verdict(Enum):
    SOLUTION = "solution"
    PROBLEM = "problem"


@dataclass(frozen=True, slots=True)
class _Rules:
    """One language's word lists, each compiled to match whole words."""

    conjunction: re.Pattern[str]  # a sentence splits into clauses before these
    purpose: re.Pattern[str]  # a clause opened by "so that" states a benefit
    benefit: re.Pattern[str]  # "so we don't have to …": a benefit, not a problem
    suggestion: re.Pattern[str]  # explicit proposals anywhere in a clause
    imperative: re.Pattern[str]  # a request opening a clause: "build …", "lag …"
    wish: re.Pattern[str]  # a verbless wish opening a clause: "more buses", "nye lys"
    finite: re.Pattern[str]  # a finite verb turns a "wish" opening into a statement
    advice: re.Pattern[str]  # "should": a proposal whoever the subject is
    obligation: re.Pattern[str]  # "must": proposal or burden, by subject and verb
    need: re.Pattern[str]  # "need" + noun: proposal unless said of oneself or of "you"
    action: re.Pattern[str]  # verbs and words of remedy after a modal: build, more, earlier
    passive: re.Pattern[str]  # a passive after a modal: "must be ploughed", "må brøytes"
    speaker: re.Pattern[str]  # the speaker or their own: "I must …", "my son must …": a burden
    generic: re.Pattern[str]  # "you need a car", "man trenger bil": a burden
    community: re.Pattern[str]  # "we need", "the town needs": a proposal for everyone
    authority: re.Pattern[str]  # "the municipality must …" is a proposal whatever the verb
    burden: re.Pattern[str]  # always a problem: "had to", "måtte", "доводиться"
    problem: re.Pattern[str]  # negations and trouble words


def _rules(**alternations: str) -> _Rules:
    """Compile each ``|``-separated alternation into a case-folded whole-word pattern."""
    assert set(alternations) == {f.name for f in fields(_Rules)}, "every word list is needed"
    compiled = {k: re.compile(rf"\b(?:{v})\b", re.IGNORECASE) for k, v in alternations.items()}
    # The conjunction splits text, so it must keep what it matched as a separate piece.
    compiled["conjunction"] = re.compile(rf"\s+({alternations['conjunction']})\s+")
    return _Rules(**compiled)


@dataclass(frozen=True, slots=True)
class _Cues:
    """Every language's compiled rules, and what to try when a text's language has none."""

    by_language: dict[str, _Rules]
    by_script: dict[str, list[_Rules]]
    reduplication: re.Pattern[str]


@functools.cache
def _cues() -> _Cues:
    """Compile the solution cues of every language file that has them (once)."""
    book = packaged_rule_book()
    by_language: dict[str, _Rules] = {}
    by_script: dict[str, list[_Rules]] = {}
    for code, language in book.languages.items():
        if not language.words("solution", "conjunction"):
            continue  # a language known only to detection
        rules = _rules(**{c: "|".join(language.words("solution", c)) for c in SOLUTION_CUES})
        by_language |= dict.fromkeys((code, *language.aliases), rules)
        by_script.setdefault(language.script, []).append(rules)
    joiners = "|".join(book.union("solution", "repeated_with"))
    # "more and more", "flere og flere": a trend, not a wish; glued so "and" does not split it.
    return _Cues(by_language, by_script, re.compile(rf"\b(\w+) (?:{joiners}) \1\b"))


def looks_like_solution(text: str, language: str) -> bool:
    """Return True if ``text`` mainly proposes a solution rather than describing a problem."""
    text = _cues().reduplication.sub(r"\1\1", text.casefold().replace("’", "'"))
    verdicts = {v for rules in _rule_sets(text, language) for v in _verdicts(text, rules)}
    return _Verdict.SOLUTION in verdicts and _Verdict.PROBLEM not in verdicts


def _rule_sets(text: str, language: str) -> list[_Rules]:
    """Return the rules of ``language``, or of every language the script allows."""
    cues = _cues()
    rules = cues.by_language.get(language.split("-")[0].lower())
    if rules is not None:
        return [rules]
    return cues.by_script.get("cyrillic" if _CYRILLIC.search(text) else "latin", [])


def _verdicts(text: str, rules: _Rules) -> list[_Verdict]:
    """Classify every clause of ``text``; clauses that say neither are left out."""
    verdicts = []
    for sentence in _HARD_BREAK.split(text):
        pieces = rules.conjunction.split(sentence)
        # re.split with a group alternates clause, conjunction, clause, …
        openers = ["", *pieces[1::2]]
        for opener, clause in zip(openers, pieces[0::2], strict=True):
            clause = re.sub(r"^\W+", "", clause.strip())
            verdict = _clause_verdict(clause, opener, rules)
            if verdict is not None:
                verdicts.append(verdict)
    return verdicts


def _clause_verdict(clause: str, opener: str, rules: _Rules) -> _Verdict | None:
    """Classify one clause; ``opener`` is the conjunction before it ("" after punctuation)."""
    if not clause or rules.purpose.fullmatch(opener) or rules.benefit.search(clause):
        return None
    # Imperatives and verbless wishes only open a sentence: after "and" they continue one.
    opens_sentence = not opener
    if (
        rules.suggestion.search(clause)
        or rules.advice.search(clause)
        or (opens_sentence and rules.imperative.match(clause))
        or (opens_sentence and rules.wish.match(clause) and not rules.finite.search(clause))
    ):
        return _Verdict.SOLUTION
    if rules.burden.search(clause):
        return _Verdict.PROBLEM
    modal: list[_Verdict | None] = [
        _modal_verdict(clause, m, rules) for m in rules.obligation.finditer(clause)
    ]
    modal += [_need_verdict(clause, m, rules, opener) for m in rules.need.finditer(clause)]
    if _Verdict.SOLUTION in modal:
        return _Verdict.SOLUTION
    if _Verdict.PROBLEM in modal or rules.problem.search(clause):
        return _Verdict.PROBLEM
    return None


def _modal_verdict(clause: str, modal: re.Match[str], rules: _Rules) -> _Verdict:
    """Judge "must": a burden on the speaker, or a remedy asked of someone else."""
    before = " ".join(clause[: modal.start()].split()[-3:])
    after = clause[modal.end() :].split()
    if rules.speaker.search(" ".join(before.split()[-2:] + after[:1])):
        return _Verdict.PROBLEM
    if rules.action.search(" ".join(after[:4])) or rules.passive.match(" ".join(after[:3])):
        return _Verdict.SOLUTION
    return _Verdict.SOLUTION if rules.authority.search(before) else _Verdict.PROBLEM


def _need_verdict(clause: str, need: re.Match[str], rules: _Rules, opener: str) -> _Verdict | None:
    """Judge "need" + noun: "we need a new school" proposes, "you need a car" complains."""
    before = " ".join(clause[: need.start()].split()[-2:])
    if rules.action.search(" ".join(clause[need.end() :].split()[:3])):
        return _Verdict.SOLUTION
    if rules.community.search(before) or rules.authority.search(before):
        return _Verdict.SOLUTION
    if rules.speaker.search(before):
        return None  # "I need a GP" is a personal need, neither a proposal nor yet a problem
    if rules.generic.search(before):
        return _Verdict.PROBLEM
    # No subject after "and" means it is the previous clause's ("my dad is 90 and needs help");
    # none at the start of a sentence is the impersonal "потрібен застосунок".
    return None if opener and not before else _Verdict.SOLUTION
