"""Mask personal data that residents type into free text before it is kept or shown."""

import re

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
ID_NUMBER_MASK = "[id-number]"
ACCOUNT_MASK = "[account]"

_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
_RNOKPP_WEIGHTS = (-1, 5, 7, 9, 4, 6, 10, 5, 7)

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Fødselsnummer or D-number: 11 digits, sometimes written "DDMMYY NNNNN".
_ID_NUMBER = re.compile(r"(?<![0-9+])([0-9]{6})[ -]?([0-9]{5})(?![0-9])")
# Ukrainian taxpayer number (РНОКПП): 10 digits, the last a check digit.
_RNOKPP = re.compile(r"(?<![0-9+.,:/-])[0-9]{10}(?![0-9])(?![.,:/-][0-9])")
# IBAN: a country code, two check digits, then 11 to 30 letters and digits, often in fours.
_IBAN = re.compile(
    r"(?<!\w)[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{1,4}){3,8})(?!\w)", re.IGNORECASE
)
# "+47" is always followed by exactly eight digits, however they are grouped.
_NORWEGIAN_PREFIXED = re.compile(r"(?<![\w+])(?:\+|00)47[ -]?(?:[0-9][ -]?){7}[0-9](?![0-9])")
# "+48 123 456 789", "0046 70 123 45 67", "+1 (555) 123-4567": a country code, then digits.
_INTERNATIONAL = re.compile(r"(?<![\w+])(?:\+|00)[1-9](?:[ .\-]?\(?[0-9]\)?)+")
# A Norwegian number without country code: never starts with 0 or 1, so years and dates like
# "12 03 2025" stay; mobile numbers (4 and 9) are also written in two groups of four.
_NORWEGIAN_PHONE = re.compile(
    r"(?<![0-9+.,:/-])"
    r"(?:[2-9][0-9]{7}|[2-9][0-9]{2}[ -][0-9]{2}[ -][0-9]{3}|[2-9][0-9](?:[ -][0-9]{2}){3}"
    r"|[49][0-9]{3}[ -][0-9]{4}"
    # Written with dots ("912.34.567", "61.13.00.00"): only in the groupings phones use.
    r"|[2-9][0-9]{2}\.[0-9]{2}\.[0-9]{3}|[2-9][0-9](?:\.[0-9]{2}){3})"
    # Not part of a longer number, a decimal or a date, and not an amount of money.
    r"(?![0-9])(?![.,:/-][0-9])(?!\s*(?:kr\b|nok\b|kroner|,-|%))",
    re.IGNORECASE,
)


def mask_personal_data(text: str) -> str:
    """Return ``text`` with phone numbers, e-mail addresses, IBANs and ID numbers masked."""
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _IBAN.sub(_mask_iban, text)
    text = _ID_NUMBER.sub(_mask_id_number, text)
    text = _RNOKPP.sub(_mask_rnokpp, text)
    text = _NORWEGIAN_PREFIXED.sub(PHONE_MASK, text)
    text = _INTERNATIONAL.sub(_mask_international, text)
    return _NORWEGIAN_PHONE.sub(PHONE_MASK, text)


def is_national_id_number(number: str) -> bool:
    """Return True if ``number`` is 11 digits whose two mod-11 check digits are right."""
    if len(number) != 11 or not number.isascii() or not number.isdigit():
        return False
    digits = [int(ch) for ch in number]
    k1 = _check_digit(digits[:9], _K1_WEIGHTS)
    k2 = _check_digit(digits[:10], _K2_WEIGHTS)
    return (k1, k2) == (digits[9], digits[10])


def is_pesel(number: str) -> bool:
    """Return True if ``number`` is a Polish PESEL: 11 digits with a valid check digit."""
    if len(number) != 11 or not number.isascii() or not number.isdigit():
        return False
    month, day = int(number[2:4]) % 20, int(number[4:6])
    if not (1 <= month <= 12 and 1 <= day <= 31):  # the century is coded into the month
        return False
    total = sum(int(d) * w for d, w in zip(number, _PESEL_WEIGHTS, strict=False))
    return (10 - total % 10) % 10 == int(number[10])


def is_rnokpp(number: str) -> bool:
    """Return True if ``number`` is a Ukrainian taxpayer number: 10 digits, valid check digit."""
    if len(number) != 10 or not number.isascii() or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number, _RNOKPP_WEIGHTS, strict=False))
    return total % 11 % 10 == int(number[9])


def is_iban(candidate: str) -> bool:
    """Return True if ``candidate`` (spaces allowed) passes the IBAN mod-97 check."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isascii() or not compact.isalnum():
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    """Return the mod-11 check digit for ``digits``, or None where none exists (remainder 1)."""
    check = 11 - sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def _mask_id_number(found: re.Match[str]) -> str:
    # Eleven digits that fail the check are something else (an account number, a reference):
    # leave them as they are rather than hide what the resident meant.
    number = found[1] + found[2]
    return ID_NUMBER_MASK if is_national_id_number(number) or is_pesel(number) else found[0]


def _mask_rnokpp(found: re.Match[str]) -> str:
    return ID_NUMBER_MASK if is_rnokpp(found[0]) else found[0]


def _mask_iban(found: re.Match[str]) -> str:
    # Written in groups, the match may run on into the next words ("… 947 takk"): drop groups
    # from the end until the rest is an account number.
    groups = found[0].split(" ")
    for end in range(len(groups), 0, -1):
        if is_iban(" ".join(groups[:end])):
            return " ".join([ACCOUNT_MASK, *groups[end:]])
    return found[0]


def _mask_international(found: re.Match[str]) -> str:
    # E.164 allows at most 15 digits with the country code; fewer than 7 is not a phone number.
    digits = sum(ch.isdigit() for ch in found[0].removeprefix("00"))
    return PHONE_MASK if 7 <= digits <= 15 else found[0]


SHOWN_TEXT_MAX = 300  # a problem shown to others is cut to this many characters


def anonymised(text: str) -> str:
    """Return a problem's text as others may see it: personal data masked, length capped."""
    masked = " ".join(mask_personal_data(text).split())
    return masked if len(masked) <= SHOWN_TEXT_MAX else masked[: SHOWN_TEXT_MAX - 1] + "…"
