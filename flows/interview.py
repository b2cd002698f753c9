"""The problem-first interview as a pure step function: ``advance(state, event, facts)``.

Every input (text, button, command, location, anything else) goes through ``advance``, which
returns the next state and what to do: replies to send and facts to store. Before calling it,
the transport asks ``lookups(state, event)`` what to fetch (a workshop, others' problems) and
passes what it found as ``facts``; the interview itself ranks and filters them. See
``flows/interview.mmd`` for the picture of the steps.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from flows.callback import Answer, Button, FollowUpAnswer, unpack
from flows.content import Content, Option
from flows.events import NO_FACTS, Candidate, Event, EventKind, Facts, Lookups
from flows.language import detect_language, interview_language
from flows.language_rules import RuleBook, packaged_rule_book
from flows.outputs import (
    AgreeToFollowUps,
    AnswerHearBack,
    Endorse,
    EraseResident,
    Label,
    Output,
    RecordConsent,
    RecordObservation,
    Reply,
    SaveProblem,
    SendMyData,
    SetLanguage,
    StopFollowUps,
)
from flows.places import match_place, nearest_place
from flows.privacy import mask_personal_data
from flows.problem import Problem
from flows.questions import CHANGEABLE, PREFER_NOT_TO_SAY, groups_question, question
from flows.similar import shown_to_others, similar_problems
from flows.solution import looks_like_solution
from flows.state import InterviewState, Step
from flows.workshop import Workshop, code_from_payload

Result = tuple[InterviewState, list[Output]]

# Steps of a running report: /cancel ends them, and they resume after /start.
REPORTING = frozenset(
    {
        Step.PROBLEM,
        Step.SOLUTION_PROBLEM,
        Step.FORWARDED,
        Step.FREQUENCY,
        Step.SEVERITY,
        Step.GROUPS,
        Step.AREA,
        Step.REVIEW,
        Step.CHANGE,
    }
)
_NO_CONSENT_NEEDED = frozenset({Step.CONSENT, Step.LANGUAGE, Step.DELETE})
MIN_PROBLEM_CHARS = 8
MAX_ANSWER_CHARS = 4096  # Telegram's own limit: a longer review card is split when sent
_CONFIRM = Answer(Step.REVIEW, "confirm")


class Interview:
    """The interview over one content file; ``advance`` is the whole behaviour."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._separators = _list_separators(packaged_rule_book())

    def lookups(self, state: InterviewState, event: Event) -> Lookups:
        """Say what the transport must look up before ``advance`` can take ``event``."""
        if event.kind is EventKind.COMMAND and event.command == "start":
            return Lookups(workshop_code=code_from_payload(event.argument) or "")
        confirming = event.kind is EventKind.CHOICE and unpack(event.choice) == _CONFIRM
        return Lookups(similar=confirming and state.step is Step.REVIEW)

    def advance(self, state: InterviewState, event: Event, facts: Facts = NO_FACTS) -> Result:
        """Apply one resident input to ``state``; return the new state and the outputs.

        ``facts`` holds what ``lookups`` asked the transport to find for this input.
        """
        if event.kind is EventKind.COMMAND:
            if event.command == "start":
                return self._start(state, event, facts.workshop)
            return self._command(state, event)
        button = unpack(event.choice) if event.kind is EventKind.CHOICE else None
        # Any follow-up button, even a forged one, is answered here: it is not the interview's.
        if event.kind is EventKind.CHOICE and event.choice.startswith(f"{FollowUpAnswer.PREFIX}:"):
            return self._follow_up_answer(state, button, event)
        if state.step is Step.NEW:
            return self._begin(state, event)
        if self._consent_outdated(state) and state.step not in _NO_CONSENT_NEEDED:
            return self._ask_consent_again(state)
        if event.kind is EventKind.CHOICE:
            if state.step is Step.REVIEW and button == _CONFIRM:
                return self._save(state, event, facts.similar)
            return self._choice(state, button, event)
        located = event.kind is EventKind.LOCATION and state.step is Step.AREA
        if event.kind is EventKind.UNSUPPORTED or (
            event.kind is EventKind.LOCATION and not located
        ):
            return self._reask(state, Reply("unsupported_media"))
        handler = self._text_handlers().get(state.step)
        if handler is None:
            return self._reask(state, Reply("use_buttons"))
        return handler(state, event)

    # -- starting, commands -------------------------------------------------------------------

    def _begin(self, state: InterviewState, event: Event) -> Result:
        """Greet a resident: language (unless known), then welcome and consent."""
        outputs: list[Output] = []
        if not state.language:
            language = self._first_language(event)
            if language is None:
                asking = state.evolve(step=Step.LANGUAGE)
                return asking, [*question(asking, self.content)]
            state = state.evolve(language=language)
            outputs.append(SetLanguage(language))
        return self._welcome(state, outputs)

    def _first_language(self, event: Event) -> str | None:
        """Telegram's language if we offer it, else the language of the first text."""
        hinted = interview_language(event.language_hint, self.content.languages)
        if hinted is None and event.kind is EventKind.TEXT:
            detected = detect_language(event.text)
            hinted = detected if detected in self.content.languages else None
        return hinted

    def _consent_outdated(self, state: InterviewState) -> bool:
        """Tell whether the resident accepted an older privacy text than the current one."""
        return 0 < state.consent_version < self.content.consent_version

    def _ask_consent_again(self, state: InterviewState) -> Result:
        paused = state.step if state.step in REPORTING else None
        asking = state.evolve(step=Step.CONSENT, paused_at=paused)
        return asking, [*question(asking, self.content)]

    def _welcome(self, state: InterviewState, outputs: list[Output]) -> Result:
        outputs.append(Reply("welcome", {"municipality": self.content.municipality}))
        if state.workshop:
            outputs.append(Reply("workshop_welcome", {"workshop": state.workshop_name}))
        if state.consent_version >= self.content.consent_version:
            state = state.evolve(step=Step.PROBLEM, draft=state.fresh_draft(), returning_to=None)
        else:
            state = state.evolve(step=Step.CONSENT, returning_to=None)
        return state, [*outputs, *question(state, self.content)]

    def _command(self, state: InterviewState, event: Event) -> Result:
        match event.command:
            case "stop":
                return self._reask(state, Reply("follow_ups_stopped"), StopFollowUps())
            case "help":
                return self._reask(state, Reply("help"))
            case "cancel":
                return self._cancel(state)
            case "mydata":
                return state, [SendMyData(), *question(state, self.content)]
            case "delete":
                paused = state.paused_at if state.step is Step.DELETE else state.step
                confirming = state.evolve(step=Step.DELETE, paused_at=paused)
                return confirming, [*question(confirming, self.content)]
            case "language":
                paused = state.paused_at if state.step in (Step.NEW, Step.LANGUAGE) else state.step
                asking = state.evolve(step=Step.LANGUAGE, paused_at=paused)
                return asking, [*question(asking, self.content)]
        return self._reask(state, Reply("unknown_command"))

    def _start(self, state: InterviewState, event: Event, workshop: Workshop | None) -> Result:
        notes: list[Output] = []
        if code_from_payload(event.argument) is not None:
            if workshop is None:
                notes.append(Reply("workshop_unknown"))
                state = _left_workshop(state)
            else:
                state = _joined(state, workshop)
        elif state.step not in REPORTING:
            state = _left_workshop(state)  # a plain /start later is not part of the workshop
        state, outputs = self._restart(state, event)
        return state, [*notes, *outputs]

    def _restart(self, state: InterviewState, event: Event) -> Result:
        if state.step in (Step.DELETE, Step.LANGUAGE) and state.paused_at is not None:
            # /start while asked about deletion or language: back to where they were.
            state = state.evolve(step=state.paused_at, paused_at=None)
        if state.step in REPORTING and not self._consent_outdated(state):
            return self._reask(state, Reply("resume"))
        if state.step in (Step.NEW, Step.LANGUAGE) and not state.language:
            return self._begin(state.evolve(step=Step.NEW), event)
        return self._welcome(state.evolve(draft=state.fresh_draft()), [])

    def _cancel(self, state: InterviewState) -> Result:
        if state.step in REPORTING:
            return state.evolve(step=Step.IDLE, draft=Problem(), returning_to=None), [
                Reply("cancelled")
            ]
        return self._reask(state, Reply("nothing_to_cancel"))

    def _reask(self, state: InterviewState, first: Reply, *effects: Output) -> Result:
        """Say ``first``, then repeat the current question so nothing already given is lost."""
        return state, [*effects, first, *question(state, self.content)]

    # -- buttons ------------------------------------------------------------------------------

    def _choice(self, state: InterviewState, button: Button | None, event: Event) -> Result:
        if not isinstance(button, Answer) or button.step is not state.step:
            if state.step in (Step.IDLE, Step.DECLINED):
                return state, [Reply("stale_button"), *self._idle_prompt(state)]
            return self._reask(state, Reply("stale_button"))
        handler = self._choice_handlers()[state.step]
        return handler(state, button.value, event)

    def _idle_prompt(self, state: InterviewState) -> list[Reply]:
        return [Reply("need_consent")] if state.step is Step.DECLINED else [Reply("ask_problem")]

    def _choice_handlers(self) -> dict[Step, Callable[[InterviewState, str, Event], Result]]:
        return {
            Step.LANGUAGE: self._chose_language,
            Step.CONSENT: self._chose_consent,
            Step.FREQUENCY: self._chose_frequency,
            Step.SEVERITY: self._chose_severity,
            Step.GROUPS: self._chose_group,
            Step.AREA: self._chose_area,
            Step.REVIEW: self._chose_review,
            Step.CHANGE: self._chose_change,
            Step.ANOTHER: self._chose_another,
            Step.DELETE: self._chose_delete,
            Step.SIMILAR: self._chose_similar,
            Step.FOLLOW_UP: self._chose_follow_up,
            Step.HEAR_BACK: self._chose_hear_back,
            Step.FORWARDED: self._chose_forwarded,
        }

    def _chose_language(self, state: InterviewState, value: str, event: Event) -> Result:
        if value not in self.content.languages:
            return self._reask(state, Reply("use_buttons"))
        return self._set_language(state, value, chosen=True)

    def _set_language(self, state: InterviewState, language: str, *, chosen: bool) -> Result:
        changed = state.evolve(language=language, language_chosen=chosen or state.language_chosen)
        outputs: list[Output] = [SetLanguage(language), Reply("language_set")]
        back = state.paused_at
        if back is None or back in (Step.NEW, Step.LANGUAGE, Step.CONSENT):
            return self._welcome(changed.evolve(paused_at=None), outputs)
        resumed = changed.evolve(step=back, paused_at=None)
        return resumed, [*outputs, *question(resumed, self.content)]

    def _chose_consent(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "no":
            return state.evolve(step=Step.DECLINED), [Reply("consent_declined")]
        if value != "yes":
            return self._reask(state, Reply("use_buttons"))
        version = self.content.consent_version
        consented = state.evolve(consent_version=version, paused_at=None)
        if state.paused_at in REPORTING:
            asking = consented.evolve(step=state.paused_at)
        else:
            asking = consented.evolve(step=Step.PROBLEM, draft=consented.fresh_draft())
        return asking, [RecordConsent(version, event.now), *question(asking, self.content)]

    def _chose_frequency(self, state: InterviewState, value: str, event: Event) -> Result:
        if self.content.frequency(value) is None:
            return self._reask(state, Reply("use_buttons"))
        return self._answered(state, state.draft_with(frequency=value), Step.SEVERITY)

    def _chose_severity(self, state: InterviewState, value: str, event: Event) -> Result:
        severity = _severity(value)
        if severity is None:
            return self._reask(state, Reply("severity_invalid"))
        return self._answered(state, state.draft_with(severity=severity), Step.GROUPS)

    def _chose_group(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "done":
            if not state.draft.groups:
                return self._reask(state, Reply("groups_need_one"))
            return self._answered(state, state.draft, Step.AREA)
        if self.content.group(value) is None:
            return self._reask(state, Reply("use_buttons"))
        groups = _toggle(state.draft.groups, value)
        ticked = state.evolve(draft=state.draft_with(groups=groups))
        return ticked, [groups_question(self.content, groups, edit=True)]

    def _chose_area(self, state: InterviewState, value: str, event: Event) -> Result:
        if self.content.area(value) is None:
            return self._reask(state, Reply("use_buttons"))
        return self._answered(state, state.draft_with(area=value), Step.REVIEW)

    def _chose_review(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "change":
            changing = state.evolve(step=Step.CHANGE)
            return changing, [*question(changing, self.content)]
        if value != "confirm":
            return self._reask(state, Reply("use_buttons"))
        return self._save(state, event)

    def _chose_change(self, state: InterviewState, value: str, event: Event) -> Result:
        target = next((step for step in CHANGEABLE if step.value == value), None)
        if target is None:  # forged: "change:delete" must not jump to another question
            return self._reask(state, Reply("use_buttons"))
        changing = state.evolve(step=target, returning_to=Step.REVIEW)
        return changing, [*question(changing, self.content)]

    def _chose_another(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "yes":
            asking = state.evolve(step=Step.PROBLEM, draft=state.fresh_draft())
            return asking, [*question(asking, self.content)]
        return state.evolve(step=Step.IDLE), [
            Reply("goodbye", {"municipality": self.content.municipality})
        ]

    def _chose_delete(self, state: InterviewState, value: str, event: Event) -> Result:
        if value == "yes":
            # Only the language survives, to say goodbye in it; nothing of this state is stored.
            return InterviewState(language=state.language), [EraseResident(), Reply("deleted")]
        resumed = state.evolve(step=state.paused_at or Step.IDLE, paused_at=None)
        return resumed, [Reply("delete_kept"), *question(resumed, self.content)]

    # -- typed answers ------------------------------------------------------------------------

    def _text_handlers(self) -> dict[Step, Callable[[InterviewState, Event], Result]]:
        return {
            Step.LANGUAGE: self._typed_language,
            Step.PROBLEM: self._typed_problem,
            Step.SOLUTION_PROBLEM: self._typed_problem,
            Step.FORWARDED: self._typed_problem,  # typed in their own words after all
            Step.FREQUENCY: self._typed_frequency,
            Step.SEVERITY: self._typed_severity,
            Step.GROUPS: self._typed_groups,
            Step.AREA: self._typed_area,
            Step.ANOTHER: self._typed_new_problem,
            Step.IDLE: self._typed_new_problem,
            Step.DECLINED: lambda state, event: (state, [Reply("need_consent")]),
        }

    def _typed_language(self, state: InterviewState, event: Event) -> Result:
        detected = detect_language(event.text, hint=state.language or None)
        if detected in self.content.languages:
            return self._set_language(state, detected, chosen=False)
        return self._reask(state, Reply("use_buttons"))

    def _typed_problem(self, state: InterviewState, event: Event) -> Result:
        whole = _clean_whole(event.text)
        if event.forwarded and _plausible_problem(whole):
            moved, outputs = self._forwarded(state, whole[:MAX_ANSWER_CHARS])
        else:
            moved, outputs = self._took_problem(state, whole[:MAX_ANSWER_CHARS])
        if len(whole) <= MAX_ANSWER_CHARS:
            return moved, outputs
        # Say what was kept rather than drop the rest without a word.
        return moved, [Reply("problem_cut", {"limit": str(MAX_ANSWER_CHARS)}), *outputs]

    def _forwarded(self, state: InterviewState, text: str) -> Result:
        """Hold a forwarded text in the draft and ask whether it is the resident's own problem."""
        language = detect_language(text, hint=state.language or None)
        held = state.evolve(step=Step.FORWARDED, draft=state.draft.with_problem(text, language))
        return held, [*question(held, self.content)]

    def _chose_forwarded(self, state: InterviewState, value: str, event: Event) -> Result:
        if value not in ("yes", "no"):
            return self._reask(state, Reply("use_buttons"))
        # A suggested solution kept aside stays, so "yes" goes on as if they had typed it.
        back = state.evolve(step=Step.PROBLEM)
        if value == "yes":
            return self._took_problem(back, state.draft.text)
        asking = back.evolve(draft=back.draft_with(text="", language=""))
        return asking, [*question(asking, self.content)]

    def _took_problem(self, state: InterviewState, text: str) -> Result:
        if not _plausible_problem(text):
            return self._reask(state, Reply("problem_too_short"))
        language = detect_language(text, hint=state.language or None)
        draft = state.draft
        if (
            state.step is Step.PROBLEM
            and not draft.suggested_solution
            and looks_like_solution(text, language)
        ):
            kept = draft.with_solution(text, language)
            asking = state.evolve(step=Step.SOLUTION_PROBLEM, draft=kept)
            return asking, [*question(asking, self.content)]
        return self._answered(state, draft.with_problem(text, language), Step.FREQUENCY)

    def _typed_new_problem(self, state: InterviewState, event: Event) -> Result:
        """Treat text after a finished report as the start of a new one."""
        if not _plausible_problem(_clean(event.text)):
            first = Reply("use_buttons") if state.step is Step.ANOTHER else Reply("ask_problem")
            return self._reask(state, first)
        return self._typed_problem(
            state.evolve(step=Step.PROBLEM, draft=state.fresh_draft(), returning_to=None), event
        )

    def _typed_frequency(self, state: InterviewState, event: Event) -> Result:
        key = _match_option(event.text, self.content.frequencies)
        if key is None:
            return self._reask(state, Reply("use_buttons"))
        return self._answered(state, state.draft_with(frequency=key), Step.SEVERITY)

    def _typed_severity(self, state: InterviewState, event: Event) -> Result:
        return self._chose_severity(state, event.text.strip(), event)

    def _typed_groups(self, state: InterviewState, event: Event) -> Result:
        parts = [p for p in self._separators.split(event.text) if p and p.strip()]
        keys = [_match_option(part, self.content.groups) for part in parts]
        found = tuple(dict.fromkeys(k for k in keys if k))
        if not found:
            return self._reask(state, Reply("use_buttons"))
        if PREFER_NOT_TO_SAY in found:
            found = (PREFER_NOT_TO_SAY,)
        return self._answered(state, state.draft_with(groups=found), Step.AREA)

    def _typed_area(self, state: InterviewState, event: Event) -> Result:
        if event.kind is EventKind.LOCATION and event.location is not None:
            key = nearest_place(*event.location, self.content.areas) or "other"
        else:
            typed = _clean(event.text)
            if not any(ch.isalpha() for ch in typed):
                return self._reask(state, Reply("use_buttons"))
            found = match_place(typed, self.content.areas)
            if found is None:
                return self._reask(state, Reply("area_not_found", {"place": typed[:100]}))
            key = found
        answered, outputs = self._answered(state, state.draft_with(area=key), Step.REVIEW)
        return answered, [Reply("area_matched", {"area": Label(f"area:{key}")}), *outputs]

    # -- moving on ----------------------------------------------------------------------------

    def _answered(self, state: InterviewState, draft: Problem, natural_next: Step) -> Result:
        """Store an answer in the draft and ask the next question (or return to the review)."""
        next_step = Step.REVIEW if state.returning_to is Step.REVIEW else natural_next
        # A workshop filled in who and where: skip those questions; the review shows them.
        if next_step is Step.GROUPS and state.workshop and draft.groups:
            next_step = Step.AREA
        if next_step is Step.AREA and state.workshop and draft.area:
            next_step = Step.REVIEW
        moved = state.evolve(
            step=next_step,
            draft=draft,
            returning_to=None if next_step is Step.REVIEW else state.returning_to,
        )
        return moved, [*question(moved, self.content)]

    def _save(
        self, state: InterviewState, event: Event, candidates: tuple[Candidate, ...] = ()
    ) -> Result:
        problem = replace(state.draft, workshop=state.workshop)
        similar = shown_to_others(similar_problems(problem, candidates), state.language)
        saved = state.evolve(
            draft=state.fresh_draft(),
            saved_count=state.saved_count + 1,
            similar_ids=tuple(c.id for c in similar),
            similar_texts=tuple(c.text for c in similar),
        )
        intro: list[Output] = [Reply("similar_intro")] if similar else []
        moved, asked = self._after_save(saved)
        return moved, [SaveProblem(problem, event.now), Reply("saved"), *intro, *asked]

    def _after_save(self, state: InterviewState) -> Result:
        """Ask the next thing after a save: others' similar problems, follow-ups, another."""
        if state.similar_ids:
            step = Step.SIMILAR
        elif state.workshop and not state.follow_up_asked:
            step = Step.FOLLOW_UP
        elif state.hear_back_asked < self.content.hear_back_version:
            step = Step.HEAR_BACK
        else:
            step = Step.ANOTHER
        moved = state.evolve(step=step)
        return moved, [*question(moved, self.content)]

    def _chose_similar(self, state: InterviewState, value: str, event: Event) -> Result:
        if value not in ("same", "different", "no") or not state.similar_ids:
            return self._reask(state, Reply("use_buttons"))
        effects: list[Output] = (
            [Endorse(state.similar_ids[0], event.now)] if value == "same" else []
        )
        rest = state.evolve(
            similar_ids=state.similar_ids[1:], similar_texts=state.similar_texts[1:]
        )
        moved, asked = self._after_save(rest)
        return moved, [*effects, Reply(f"similar_{value}"), *asked]

    def _chose_follow_up(self, state: InterviewState, value: str, event: Event) -> Result:
        if value not in ("yes", "no"):
            return self._reask(state, Reply("use_buttons"))
        asked = state.evolve(follow_up_asked=True)
        effects: list[Output] = []
        if value == "yes":
            effects.append(AgreeToFollowUps(state.workshop, event.now))
        moved, outputs = self._after_save(asked)
        return moved, [*effects, Reply(f"follow_up_{value}"), *outputs]

    def _chose_hear_back(self, state: InterviewState, value: str, event: Event) -> Result:
        if value not in ("yes", "no"):
            return self._reask(state, Reply("use_buttons"))
        version = self.content.hear_back_version
        answer = AnswerHearBack(value == "yes", version, event.now)
        moved, outputs = self._after_save(state.evolve(hear_back_asked=version))
        return moved, [answer, Reply(f"hear_back_{value}"), *outputs]

    def _follow_up_answer(
        self, state: InterviewState, button: Button | None, event: Event
    ) -> Result:
        """Store an answer to "has it happened again?", whatever the resident is doing now."""
        if not isinstance(button, FollowUpAnswer) or not (
            button.answer == "no" or self.content.frequency(button.answer) is not None
        ):
            return self._reask(state, Reply("stale_button"))
        observation = RecordObservation(
            follow_up_id=button.follow_up_id,
            problem_id=button.problem_id,
            recurred=button.answer != "no",
            frequency="" if button.answer == "no" else button.answer,
            at=event.now,
        )
        thanks = Reply("follow_up_thanks", edit=True)
        return state, [observation, thanks]


def _list_separators(book: RuleBook) -> re.Pattern[str]:
    """Split a typed list at punctuation or a joining word of any language ("og", "and")."""
    words = "|".join(rf"\b{re.escape(w)}\b" for w in book.union("interview", "list_words"))
    return re.compile(rf"\s*(?:[,;/+&\n]|{words})\s*", re.IGNORECASE)


def _joined(state: InterviewState, workshop: Workshop) -> InterviewState:
    """Enter a workshop: its problems are tagged, its group and area pre-filled."""
    if state.workshop == workshop.code:
        return state.evolve(workshop_name=workshop.name)
    return state.evolve(
        workshop=workshop.code,
        workshop_name=workshop.name,
        workshop_group=workshop.group,
        workshop_area=workshop.area,
        follow_up_asked=False,
    )


def _left_workshop(state: InterviewState) -> InterviewState:
    return state.evolve(workshop="", workshop_name="", workshop_group="", workshop_area="")


def _clean(text: str) -> str:
    """Strip control and zero-width characters, mask personal data and cap the length."""
    return _clean_whole(text)[:MAX_ANSWER_CHARS]


def _clean_whole(text: str) -> str:
    """Strip control and zero-width characters and mask personal data, keeping every word."""
    kept = "".join(
        ch
        for ch in text
        if ch in "\n\t" or (ch.isprintable() and ch not in "\u200b\u200c\u200d\ufeff")
    )
    return mask_personal_data(kept.strip())


def _plausible_problem(text: str) -> bool:
    """Tell whether cleaned text is long enough to describe a problem."""
    return len(text) >= MIN_PROBLEM_CHARS and any(ch.isalpha() for ch in text)


def _severity(value: str) -> int | None:
    return int(value) if value in {"1", "2", "3", "4", "5"} else None


def _toggle(groups: Sequence[str], key: str) -> tuple[str, ...]:
    """Tick or untick ``key``; "prefer not to say" excludes every other group."""
    if key in groups:
        return tuple(g for g in groups if g != key)
    if key == PREFER_NOT_TO_SAY:
        return (key,)
    return (*(g for g in groups if g != PREFER_NOT_TO_SAY), key)


def _match_option(text: str, options: Sequence[Option]) -> str | None:
    """Return the key of the option whose name (in any language) the text names, if exactly one."""
    typed = text.strip().casefold()
    if len(typed) < 2:
        return None
    exact = {o.key for o in options for name in o.names.values() if name.casefold() == typed}
    if len(exact) == 1:
        return exact.pop()
    prefix = {
        o.key
        for o in options
        for name in o.names.values()
        if len(typed) >= 3 and name.casefold().startswith(typed)
    }
    return prefix.pop() if len(prefix) == 1 else None
