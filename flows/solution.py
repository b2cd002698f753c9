"""Tell an answer that proposes a solution from one that describes a problem.

The interview is problem-first: "build a bike lane" is kept as a suggestion and the resident is
asked once what problem it would solve. The check is rule-based, clause by clause: a clause is a
*proposal* (an imperative, "should", "there should be", "we need more …", a verbless wish such as
"more buses!") or a *problem* (a negation, a trouble word, a burden such as "I must wait"). Modal
verbs are ambiguous ("I must wait" versus "the municipality must build"), so a modal's subject
and the verb after it decide. A text is a solution when it proposes and never says what goes
wrong: an answer that also describes the problem already gives the interview what it asks for.
"""

import re
from dataclasses import dataclass, fields
from enum import Enum

_HARD_BREAK = re.compile(r"[.!?;:]+(?=\s|$)|,(?!\d)|\n|\s[-–—]\s|[()]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# "more and more", "flere og flere": a trend, not a wish; glued so "and" does not split it.
_REDUPLICATION = re.compile(r"\b(\w+) (?:and|og|i|і|й|та) \1\b")


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


_NORWEGIAN_DURATION = r"(?:\d+|en|ei|et|ein|eit|to|tre|fire|fem|seks|ti|flere|fleire|halv)"
_NORWEGIAN_UNIT = r"(?:minutt\w*|time[rn]?|timar|dag\w*|uke[rn]?|veke[rn]?|måned\w*|månad\w*|år)"

_NORWEGIAN = _rules(
    conjunction=r"men|fordi|så|og|eller|siden|sidan|ettersom|når|da|slik at|for at",
    purpose=r"slik at|så at|for at|sånn at",
    benefit=r"slipper|slepp\w*|slipp|ikke trenger|ikkje treng|ikke må|ikkje må|ikke lenger må",
    suggestion=r"(?:jeg|eg|vi|me) (?:foreslår|føreslår)|forslag\w*|hvorfor ikke|kvifor ikkje"
    r"|hva med å|kva med å|hadde vært|hadde vore|ville vært|ville vore|skulle vært|skulle vore"
    r"|skulle hatt|ønsker (?:meg|oss)|ønskjer (?:meg|oss)|(?:vi|me) ønsker|(?:vi|me) ønskjer"
    r"|vil (?:gjerne )?ha (?:en|et|ei|ein|eit|flere|fleire|mer|meir|nye?|nytt|bedre|betre)"
    r"|det (?:må|bør|burde) (?:være|vere|bli|komme|kome|finnes|finst)|trengs|trengst"
    r"|(?:kan|kunne) (?:dere|de|kommunen|kommuna|noen|nokon)|\w.* (?:takk|tusen takk)$",
    imperative=r"(?:(?:vennligst|plis|please|bare|og|så|da)\s+)*(?:lag|bygg|byggj|innfør"
    r"|sett (?:opp|inn|ned)|set (?:opp|inn)|setj|få (?:på plass|inn|til)|ansett|tilset|åpne|opne"
    r"|etabler|utvid|øk|auk|kjøp|flytt|gi|gje|tilby|fiks|reparer|brøyt|strø|fjern|legg|skaff"
    r"|prioriter|sats|sørg for|bruk|send|senk|forleng|merk|ruste? opp|ha (?:åpent|flere|fleire"
    r"|mer|meir|en|et|ei|ein|eit)|lage|bygge|byggje|innføre|etablere|utvide|ansette|tilsetje"
    r"|tilby|sette (?:opp|inn)|setje (?:opp|inn)|få på plass|ruste opp|skaffe)",
    wish=r"(?:flere|fleire|mer|meir|nye|ny|nytt|bedre|betre|egen|eige|eiga|eget|gratis|ekstra"
    r"|billigere|billegare|tryggere|tryggare|en ny|ei ny|et nytt|ein ny|eit nytt|en egen"
    r"|en app|ein app)(?! og (?:flere|fleire|mer|meir))(?! enn)(?! ganger| gonger)",
    finite=r"er|var|har|hadde|går|gikk|kommer|kom|kjem|blir|ble|vart|vert|finnes|finst|fins"
    r"|tar|tok|får|fikk|virker|verkar|står|stod|ligger|ligg|mangler|manglar",
    advice=r"bør|burde",
    obligation=r"må|trenger å|treng å",
    need=r"trenger|treng",
    action=r"lage|bygge|byggje|sette opp|setje opp|sette inn|setje inn|få på plass|få til"
    r"|innføre|ansette|tilsetje|åpne|opne|etablere|utvide|øke|auke|kjøpe|flytte|gi|gje|tilby"
    r"|fikse|reparere|ruste opp|oppgradere|prioritere|satse på|sørge for|skaffe"
    r"|legge til rette|gjøre noe|gjere noko|flere|fleire|mer(?! enn)|meir(?! enn)|oftere"
    r"|oftare|tidligere|tidlegare|bedre|betre|raskere|raskare|nye?|nytt|en app|ein app",
    passive=r"\w+(?:es|øs|ås|ast)",
    speaker=r"jeg|eg|min|mi|mitt|mine",
    generic=r"man|ein|du|folk",
    community=r"vi|me|byen|bygda|området|sentrum|bydelen|nabolaget",
    authority=r"kommunen|kommuna|dere|de|dykk|politikerne|politikarane|noen|nokon|staten"
    r"|fylket|fylkeskommunen|vegvesenet|nav|skyss|innlandstrafikk|busselskapet|kommunestyret"
    r"|ordføreren|ordføraren|byen|gjøvik|legekontoret|skolen|skulen|barnehagen",
    burden=r"måtte|måtta|tvunget|tvinga",
    problem=r"ikke|ikkje|aldri|ingen|inga|intet|ingenting|sjelden|sjeldan|bare|berre|kun"
    r"|for (?:sent|seint|tidlig|tidleg|få|lite|lang|langt|lenge|dyrt|dyr|mange|mye|mykje|bratt"
    r"|smal|trangt|dårlig|dårleg)|vanskelig|vanskeleg|umulig|umogleg|uråd|farlig|farleg|utrygt"
    r"|glatt\w*|isete|blankis|mørkt|mørk|mørke|mørket|redd|full|fullt|fulle|forsinket"
    r"|forseinka|innstilt|problem\w*|kø|køen|hull|hullete|mangler|manglar|mangel|slukket"
    r"|slukner|sløkt\w*|ødelagt|øydelagd|i stykker|stengt|stengd|rotete|uoversiktlig|vente\w*"
    r"|venta\w*|dyrt|koster|kostar|sperrer|sperra|blokkerer|hver gang|kvar gong|alltid|ofte"
    r"|sliter|slit|datt|falt|skli\w*|opptatt|uten å|utan å|trafikk|bråk\w*|støy|lekker"
    r"|elendig|forferdelig|dårlig|dårleg|verre|verst|katastrofe|mareritt|håpløst|skandale"
    rf"|{_NORWEGIAN_DURATION} {_NORWEGIAN_UNIT}|halvtime\w*",
)

_ENGLISH = _rules(
    conjunction=r"but|because|'cause|since|so that|so|and|or|as|when|while|although|though",
    purpose=r"so that|in order to|to avoid",
    benefit=r"(?:don't|doesn't|won't|wouldn't|wouldn't) (?:have|need) to|no longer have to"
    r"|can finally|could finally",
    suggestion=r"i suggest|i'd suggest|i would suggest|i propose|we propose|my suggestion"
    r"|suggestion|proposal|why not|why don't (?:you|they|we)|how about|what about|please"
    r"|would be (?:nice|good|great|better|helpful|lovely|useful|welcome|fantastic|brilliant"
    r"|wonderful)|would help|there (?:should|must|needs to|need to|ought to|has to|could) be"
    r"|i(?:'d| would) like (?:a|an|more|to see|the)|we(?:'d| would) like|we want"
    r"|i wish (?:there|we|the|you|they)|let's|(?:can|could|would|will) (?:you|they"
    r"|the council|the municipality|the city|the kommune|someone)(?! help)"
    r"|\w.* (?:thanks|thank you)$",
    imperative=r"(?:(?:please|just|also|so|then|pls|and)\s+)*(?:build|make|create|install|add"
    r"|put|introduce|hire|employ|open|provide|extend|increase|improve|fix|repair|set up|give"
    r"|get|plough|plow|clear|grit|salt|move|start|remove|lower|reduce|buy|invest|run|offer"
    r"|expand|organi[sz]e|arrange|allow|use|send|bring|replace|upgrade|keep)",
    wish=r"(?:more|a new|new|better|an app|a separate|separate|free|extra|cheaper|safer"
    r"|a proper|proper|another|additional|an extra|a free|longer|more frequent)"
    r"(?! and more)(?! than)",
    finite=r"is|are|was|were|has|have|had|goes|go|went|comes|come|came|gets|got|takes|took"
    r"|do|does|did|doesn't|don't|isn't|aren't|can't|cannot|won't|wasn't|weren't|runs|ran"
    r"|leaves|left|seems|keeps|costs|means",
    advice=r"should|ought to",
    obligation=r"must|have to|has to|need to|needs to|got to|gotta",
    need=r"needs?(?! to\b)",
    action=r"build|make|create|install|add|put|introduce|hire|employ|open|provide|extend"
    r"|increase|improve|fix|repair|set up|give|plough|plow|clear|grit|salt|invest|offer|expand"
    r"|organi[sz]e|arrange|upgrade|replace|buy|get more|have more|do something|look at"
    r"|consider|prioriti[sz]e|start|more(?! than)|more often|earlier|better|new|a new|an app"
    r"|faster|cheaper|extra",
    passive=r"be (?:\w+ )?(?:ploughed|plowed|cleared|gritted|salted|sanded|fixed|repaired"
    r"|built|improved|extended|lit|opened|made|installed|cleaned|removed|moved|increased"
    r"|upgraded|replaced|maintained|done|put|added|introduced|expanded|changed|lowered|reduced"
    r"|checked|prioriti[sz]ed)",
    speaker=r"i|i'm|me|myself|my",
    generic=r"you|people|one|everyone|everybody|anyone|residents",
    community=r"we|town|city|area|village|centre|center|neighbourhood|neighborhood",
    authority=r"municipality|council|city|kommune|they|politicians|someone|somebody"
    r"|bus company|nav|government|county|authorities|gjøvik|town|hospital|school",
    burden=r"had to|have had to|has had to|forced to",
    problem=r"not|n't|never|no|nobody|nowhere|nothing|none|cannot|rarely|seldom|hardly|only"
    r"|too \w+|late|difficult|hard|impossible|dangerous|unsafe|slippery|icy|dark|scared"
    r"|afraid|full|crowded|packed|delayed|cancell?ed|problem\w*|queue\w*|pothole\w*|broken"
    r"|closed|missing|lack\w*|messy|confusing|wait(?:ed|ing)?|expensive|costs?|blocks?"
    r"|blocked|every time|always|often|struggl\w*|stuck|fell|slipped|miss|missed|busy"
    r"|steep|narrow|noisy|flooded|out of order|(?:is|are|was|were|been|gone) out|leaks?"
    r"|terrible|awful|horrible|nightmare|bad|poor|worse|worst|hopeless"
    r"|(?:\d+|an|one|two|three|four|five|six|ten|half an|a few|several) (?:minutes?|hours?"
    r"|days?|weeks?|months?|years?)|weeks|months|hours",
)

_POLISH = _rules(
    conjunction=r"ale|bo|ponieważ|więc|i|oraz|a|albo|lub|gdy|kiedy|żeby|aby|tak żeby|dlatego",
    purpose=r"żeby|aby|tak żeby|tak aby|by",
    benefit=r"nie (?:trzeba|musieli|musielibyśmy|musiałby|musiałaby|będzie trzeba)",
    suggestion=r"proponuję|proponujemy|propozycja|sugeruję|dlaczego nie|czemu nie|może by"
    r"|co powiecie na|chcemy|chcielibyśmy|chciałbym|chciałabym|prosimy|proszę|niech"
    r"|przydał(?:by|aby|oby|yby) się|byłoby (?:dobrze|fajnie|miło|super|świetnie)"
    r"|(?:fajnie|dobrze) by było|(?:powinno|powinny|powinien|powinna|musi|muszą) być"
    r"|moglibyście|mogliby|mogłaby|czy można by|\w.* dziękuję$",
    imperative=r"(?:(?:proszę|prosimy|i|to)\s+)*(?:zróbcie|zbudujcie|wybudujcie|postawcie"
    r"|dodajcie|wprowadźcie|otwórzcie|naprawcie|zatrudnijcie|uruchomcie|stwórzcie"
    r"|zainstalujcie|zorganizujcie|zwiększcie|poprawcie|odśnieżajcie|odśnieżcie|posypujcie"
    r"|posypcie|dajcie|kupcie|przenieście|załóżcie|ustawcie|zamontujcie|usuńcie|obniżcie"
    r"|zapewnijcie|wyremontujcie)",
    wish=r"(?:więcej|nowy|nowa|nowe|nowych|nową|lepsz\w*|darmow\w*|bezpłatn\w*|dodatkow\w*"
    r"|własn\w*|aplikacj\w*|osobn\w*|tańsz\w*)(?! niż)",
    finite=r"jest|są|był|była|było|były|ma|mają|miał|jeździ|jeżdżą|nie|przyjeżdża|działa"
    r"|działają|kosztuje|trwa",
    advice=r"powinn\w*|powinien|należy|należałoby|warto|trzeba by",
    obligation=r"trzeba|musi|muszą|musimy|musicie|potrzeba|konieczn\w* jest",
    need=r"potrzebujemy|potrzebny|potrzebna|potrzebne|potrzebni",
    action=r"zbudować|wybudować|zrobić|dodać|wprowadzić|postawić|ustawić|otworzyć|zatrudnić"
    r"|stworzyć|uruchomić|naprawić|zwiększyć|poprawić|zainstalować|zamontować|zapewnić"
    r"|zorganizować|kupić|odśnieżać|odśnieżyć|posypać|posypywać|wyremontować|przenieść"
    r"|założyć|więcej|częściej|wcześniej|lepsz\w*|now\w*|aplikacj\w*",
    passive=r"(?:być|zostać) \w+(?:ne|na|ny|ni|te|ta|ty)",
    speaker=r"ja|mi|mnie|mój|moja|moje|moi|moim|mojej",
    generic=r"ludzie|każdy|wszyscy",
    community=r"my|miasto|okolica|osiedle|centrum|wieś",
    authority=r"gmin\w*|kommune|miasto|władze|urząd|radni|wy|ktoś|politycy|przewoźnik|państwo",
    burden=r"muszę|musiałem|musiałam|musieliśmy|musiałyśmy|musiał|musiała|musieli|zmuszon\w*"
    r"|czekam|czekamy|czekałem|czekałam|czekaliśmy",
    problem=r"nie|nigdy|brak\w*|żadn\w*|rzadko|tylko|za (?:późno|mało|dużo|długo|drogo"
    r"|wcześnie|daleko|ciemno|wolno)|spóźni\w*|trudn\w*|ciężko|niemożliw\w*"
    r"|niebezpieczn\w*|ślisk\w*|ciemn\w*|pełn\w*|zatłoczon\w*|zepsut\w*|czeka\w*|kolejk\w*"
    r"|dziur\w*|problem\w*|zamknięt\w*|często|zawsze|kosztuje|tygodni\w*|miesi\w+|godzin\w*"
    r"|okropn\w*|fataln\w*|tragiczn\w*|koszmar\w*|źle|gorzej|przecieka",
)

_UKRAINIAN = _rules(
    conjunction=r"але|бо|тому що|оскільки|тому|і|й|та|а|або|коли|щоб|аби|адже",
    purpose=r"щоб|аби",
    benefit=r"не (?:доведеться|треба буде|потрібно буде|мусили б|довелося б)",
    suggestion=r"пропоную|пропонуємо|пропозиція|чому б не|чому не|а що як|хочемо|хотілося б"
    r"|хотів би|хотіла б|хотіли б|прошу|просимо|будь ласка|нехай"
    r"|було б (?:добре|чудово|непогано|зручно|класно|корисно)|добре було б"
    r"|(?:має|мають|повинно|повинні|мало б) бути|(?:потрібно|треба) щоб"
    r"|могли б ви|можете ви|чи можна|\w.* дякую$",
    imperative=r"(?:(?:будь ласка|прошу|просимо)\s+)*(?:зробіть|побудуйте|збудуйте"
    r"|встановіть|поставте|додайте|відкрийте|запровадьте|створіть|найміть|полагодьте"
    r"|відремонтуйте|збільшіть|покращте|організуйте|дайте|купіть|приберіть|посипте"
    r"|перенесіть|запустіть|забезпечте|\w+(?:іть|йте|ьте))",
    wish=r"(?:більше|нов\w+|кращ\w+|безкоштовн\w+|додатков\w+|окрем\w+|застосун\w+"
    r"|дешевш\w+|зручніш\w+)(?! ніж)",
    finite=r"є|був|була|було|були|ходить|ходять|не|немає|нема|працює|працюють|коштує|триває"
    r"|їздить|приїжджає",
    advice=r"слід|варто|повин\w*|мали б|мав би|мала б|мало б|треба було б|потрібно було б",
    obligation=r"треба|потрібно|необхідно|має|мають|мусить|мусять|мусимо|мусите",
    need=r"потрібен|потрібна|потрібне|потрібні",
    action=r"зробити|побудувати|збудувати|встановити|поставити|додати|відкрити|запровадити"
    r"|створити|збільшити|покращити|найняти|полагодити|відремонтувати|організувати"
    r"|забезпечити|купити|прибирати|прибрати|посипати|перенести|запустити|більше|частіше"
    r"|раніше|кращ\w*|нов\w*|застосун\w*",
    passive=r"бути \w+(?:но|то|ні|ний|на|не)",
    speaker=r"я|мені|мене|мій|моя|моє|мої|моєму|моїй",
    generic=r"люди|кожен|кожному|всі",
    community=r"ми|нам|місто|район|село|центр|громада",
    authority=r"комун\w*|громада|місто|влада|муніципалітет|ви|мерія|уряд|хтось|депутати"
    r"|перевізник|держава",
    burden=r"мушу|доводиться|довелося|доведеться|змушен\w*|мусив|мусила|мусили|чекаю|чекаємо",
    problem=r"не|ні|немає|нема|ніколи|жодн\w*|рідко|лише|тільки|запізню\w*|важко|неможливо"
    r"|небезпечн\w*|слизьк\w*|темн\w*|темно|переповнен\w*|зламан\w*|чека\w*|черг\w*|ями"
    r"|ямах|ямами|проблем\w*|закрит\w*|занадто|надто|далеко|дорого|пізно|часто|завжди"
    r"|місяць|тижн\w*|годин\w*|рік|жах\w*|погано|гірше|протіка\w*",
)

_BY_LANGUAGE = {"nb": _NORWEGIAN, "nn": _NORWEGIAN, "no": _NORWEGIAN, "en": _ENGLISH}
_BY_LANGUAGE |= {"pl": _POLISH, "uk": _UKRAINIAN}


def looks_like_solution(text: str, language: str) -> bool:
    """Return True if ``text`` mainly proposes a solution rather than describing a problem."""
    text = _REDUPLICATION.sub(r"\1\1", text.casefold().replace("’", "'"))
    verdicts = {v for rules in _rule_sets(text, language) for v in _verdicts(text, rules)}
    return _Verdict.SOLUTION in verdicts and _Verdict.PROBLEM not in verdicts


def _rule_sets(text: str, language: str) -> list[_Rules]:
    """Return the rules of ``language``, or of every language the script allows."""
    rules = _BY_LANGUAGE.get(language.split("-")[0].lower())
    if rules is not None:
        return [rules]
    return [_UKRAINIAN] if _CYRILLIC.search(text) else [_NORWEGIAN, _ENGLISH, _POLISH]


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
