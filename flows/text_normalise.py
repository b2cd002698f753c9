"""Turn a resident's free text into comparable terms: tokens, nynorsk folded, stems, concepts.

Bokmål is the pivot: nynorsk forms are folded to bokmål, and a small domain lexicon maps words
from nb, nn, en (and a few pl/uk) to shared concept terms ("bussane", "bus" → "buss"), so that
the same everyday problem yields overlapping terms whatever the language it was written in.
"""

import re
import unicodedata
from dataclasses import dataclass


def _words(text: str) -> list[str]:
    return text.split()


# Words that say nothing about the topic (bokmål after folding, English, a little pl/uk).
_STOP = frozenset(
    _words(
        """
    og i jeg det at en et den til er som på de med han av ikke der så var meg seg men ett har
    om vi min mitt mi ha hadde hun nå over da ved fra du ut sin dem oss opp ned man kan hans hvor
    eller hva skal selv her alle vil bli ble blitt kunne inn når være vært kom noen noe ville
    dere deres også etter før mye mer mest hvis deg dette disse denne bare uten nok hele helt
    litt lite veldig altfor alt for hver hvert både enn ingen ingenting aldri alltid jo nei ja
    fordi hvorfor hvordan hvem slik sånn bør burde må måtte skulle går gikk gå gjør gjøre gjorde
    får fikk få fått tar ta tok sier si sa kommer komme kommet blir gir gi står stå vår vårt
    våre mine din dine sine sitt mot mellom langs forbi hos blant mange flere andre samme igjen
    heller likevel nesten fortsatt lenger lenge siden dermed via tror synes trenger mangler
    savner ønsker ønske umulig dårlig problem kl nr ca osv pga la hit dit oppe inne ute utenfor
    klokka klokken én ei
    a an the and or but if of to in on at by from with without about into under after before
    between through during is are was were be been being am do does did have has had having
    me my we us our you your he him his she her it its they them their what which who whom
    this that these those there not nor so too very can cannot could should would will shall
    may might must just only also than then again always never ever still even more most much
    many some any each every few other such own same up down out off away as get gets got go
    goes going went make makes made need needs please one two three don doesn didn isn aren
    wasn weren won wouldn couldn shouldn ve ll re anyone anything nobody nothing here almost
    w z na nie się za jest do що не на за до та як дуже занадто
    """
    )
)

# Nynorsk (and frequent dialect) forms → bokmål, word by word.
_FOLD = dict(
    pair.split("=")
    for pair in _words(
        """
    ikkje=ikke eg=jeg kva=hva korleis=hvordan kvifor=hvorfor kven=hvem kvar=hver frå=fra
    heim=hjem heime=hjemme berre=bare noko=noe nokon=noen nokre=noen ein=en eit=et mykje=mye
    meir=mer kjem=kommer kome=komme vegen=veien veg=vei vegar=veier vegane=veiene sjeldan=sjelden
    dei=de ho=hun me=vi vere=være vore=vært vert=blir vart=ble verte=bli fekk=fikk tek=tar
    sidan=siden utan=uten fleire=flere heile=hele heilt=helt hjå=hos sjølv=selv no=nå òg=også
    ljos=lys born=barn borna=barna ungane=ungene gonger=ganger gong=gang veke=uke veker=uker
    veka=uka morgon=morgen morgonen=morgenen tidleg=tidlig seint=sent dårleg=dårlig
    dårlege=dårlige farleg=farlig farlege=farlige vanskeleg=vanskelig høg=høy høge=høye høgt=høyt
    laurdag=lørdag laurdagar=lørdager treng=trenger manglar=mangler finst=finnes stad=sted
    staden=stedet teneste=tjeneste tenester=tjenester einsam=ensom einsame=ensomme
    einsemd=ensomhet åleine=alene aleine=alene bu=bo køyrer=kjører køyre=kjøre stengjer=stenger
    ope=åpen opne=åpne utanfor=utenfor tida=tiden sit=sitter kveldane=kveldene byrjar=begynner
    """
    )
)
# Nynorsk stems inside longer words (compounds, inflections) → bokmål.
_FOLD_PARTS = (
    ("tilbod", "tilbud"),
    ("opning", "åpning"),
    ("symj", "svømm"),
    ("husleig", "husleie"),
    ("utleig", "utleie"),
    ("bustad", "bolig"),
    ("skule", "skole"),
    ("einsam", "ensom"),
    ("møtestad", "møtested"),
)

# Domain concepts: "word" matches the word and its usual inflections, "word*" any word starting
# with it, "*word" a compound ending in it (or its inflections), "=word" that exact word only.
_CONCEPTS = """
buss: buss* bus buses *buss kollektiv* skyss* autobus* автобус* transport
avgang: avgang* departure* rutetid* rutetilbud* timetable* frequent* hyppig* often ofte
kveld: kveld* evening* ввечері вечір* вечор*
helg: helg* weekend* lørdag* søndag* saturday* sunday*
natt: natt* night*
morgen: morgen* morning*
snø: snø* snow* *snø brøyt* plog* plough* plow* måk* shovel* odśnież* взимку
glatt: glatt* icy ice speilblank* holke* slippery slip* slipped skli* strø* grit* gravel* salt*
fortau: fortau* sidewalk* pavement* chodnik* тротуар* kerb* curb*
gangvei: gangvei* gangsti* sti footpath* walkway* path* undergang* underpass*
vei: vei road* street* gata gatene gater *vei
fastlege: fastlege* lege legekontor* legetime* legevakt* doctor* gp gps physician* clinic*
fastlege: lekarz* лікар*
vente: vente venter ventet venta wait* venteliste* ventetid* queue* kø køen
ungdom: ungdom* youth* teen* tenåring* unge young
klubb: klubb* club* *klubb fritid* ungdomshus*
møteplass: møteplass* møtested* møtes meet meeting* *møteplass socialis* socializ* hang
lys: lys lyset lysene *lys lykt* lamp* lampe* streetlight* streetlamp* light lights lighting
lys: belysning* gatelys* veilys*
mørk: mørk* bekmørk* dark*
slukket: slukk* sløk* flicker* blink*
digital: digital* online* app apps apper appen bankid* skjema* form forms website* nettside*
digital: smarttelefon* smartphone* nettbrett* tablet* data qr helsenorge* =nett
eldre: eldre elderly older old senior* pensjonist* pensioner* gamle bestemor* bestefar*
eldre: grandmother* grandfather* grandparent* besteforeld* eldresenter*
parkering: parker* parking* =park =parked *parkering
bil: bil biler bilen bilene bilar bilane car cars
avgift: avgift* fee fees *avgift price* pris* dyr dyrt dyre expensive cost* koster afford råd
barnehage: barnehage* kindergarten* daycare* nursery* *barnehage preschool*
plass: plass plassen plasser plassar place places spot spots space spaces
sykkel: sykkel* sykl* *sykkel bike* bicycle* cycl* bysykkel*
skole: skole* school* *skole szkoł* школ*
fart: fart* speed* fort råkjør*
gangfelt: gangfelt* crossing* fotgjengerfelt* kryss* cross zebra*
trafikk: trafikk* traffic* *trafikk
barn: barn barna ungene unger barnet kids kid children child åtteåring*
støy: støy* *støy bråk* noise* noisy loud* larm* musikk* music*
nabo: nabo* neighbour* neighbor*
dekning: dekning* *dekning coverage* signal* mobil mobile* mobildekning*
bredbånd: bredbånd* broadband* fiber* fibre* internett* internet* nettforbindelse* wifi* =nettet
bolig: bolig* *bolig housing* leilighet* apartment* flat hybel* hybl* mieszkan* квартир* житл*
husleie: husleie* leie leier leiet *leie rent rents renting rental* utleie* landlord* czynsz*
husleie: оренд*
avfall: søppel* søpl* bos bosset avfall* *avfall renovasjon* *dunk dunk* bin bins garbage*
avfall: rubbish* trash* waste* container* gjenvinning* recycl* returpunkt* tømm* tømd* empt*
bibliotek: bibliotek* library* librar* filial* *bibliotek
åpen: åpen åpent åpne åpningstid* *åpningstid open opening* meråpen*
stengt: steng* close closes closed closing
kultur: museum* museet kunst* kultur* svømmehall* swimming* pool
rullestol: rullestol* wheelchair* rullator* rampe* ramp* heis* lift elevator* trapp* stairs
rullestol: universell* accessib* tilgjeng* handicap* steps
ensom: ensom* loneli* lonely isolat* isoler* alene alone besøksvenn*
prat: prat* snakke* talk*
jobb: jobb* job* work working
stasjon: stasjon* station* skysstasjon*
bygg: byggearbeid* anleggsarbeid* construction* bygging* anlegg* byggeplass*
telefon: telefon* phone* ring ringe ringer
"""
# Inflections of a lexicon word that count as the word itself (nb/nn noun/verb, en plural).
_INFLECTIONS = ("", "s", "es", "en", "er", "ene", "et", "a", "ar", "ane", "ing", "ed")
_AFTER_E = ("n", "r", "ne", "ns", "t")
_ENDINGS = frozenset(_INFLECTIONS + _AFTER_E + ("e", "t", "te", "ne", "ns", "ers", "ets"))


def _expand(word: str) -> set[str]:
    forms = {word + ending for ending in _INFLECTIONS}
    if word.endswith("e"):
        forms |= {word + ending for ending in _AFTER_E}
        forms.add(word[:-1] + "a")  # feminine definite: husleie → husleia
    return forms


def _parse_lexicon() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]], dict[str, str]]:
    written: dict[str, str] = {}  # a word as written wins over another word's inflection
    inflected: dict[str, str] = {}
    prefixes: list[tuple[str, str]] = []
    tails: dict[str, str] = {}
    for line in _CONCEPTS.strip().splitlines():
        concept, _, patterns = line.partition(":")
        for pattern in patterns.split():
            if pattern.startswith("="):
                written[pattern[1:]] = concept
            elif pattern.endswith("*"):
                prefixes.append((pattern[:-1], concept))
                written[pattern[:-1]] = concept
                if pattern.endswith("e*"):
                    inflected[pattern[:-2] + "a"] = concept  # venteliste* → ventelista
            elif pattern.startswith("*"):
                tails.update(dict.fromkeys(_expand(pattern[1:]), concept))
            else:
                written[pattern] = concept
                inflected.update(dict.fromkeys(_expand(pattern), concept))
    by_start: dict[str, list[tuple[str, str]]] = {}  # prefixes by their first three letters
    for prefix, concept in sorted(prefixes):
        by_start.setdefault(prefix[:3], []).append((prefix, concept))
    return inflected | written, by_start, tails


_EXACT, _PREFIXES, _TAILS = _parse_lexicon()
_TOKEN = re.compile(r"[^\W\d_]+")
_VOWELS = frozenset("aeiouyæøå")
_NB_SUFFIXES = sorted(
    _words(
        "hetenes hetene hetens heten heter endes ande ende edes enes erte ede ane ene ens ers ets "
        "het ast ert en ar er as es et a e"
    ),
    key=len,
    reverse=True,
)
_S_ENDING = frozenset("bcdfghjlmnoprtvyz")


@dataclass(frozen=True, slots=True)
class Term:
    """One comparable term of a text: a concept or a stem, and the word it came from."""

    term: str
    form: str
    concept: bool


def terms(text: str, language: str) -> list[Term]:
    """Return the topic terms of ``text``, in order, repeats kept."""
    found: list[Term] = []
    for token in _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold()):
        word = _fold(token)
        if len(word) < 2 or word in _STOP:
            continue
        concepts = _concepts(word)
        found.extend(Term(concept, concept, True) for concept in concepts)
        if not _inflected(word):
            found.append(Term(stem(word, language), word, False))  # e.g. a compound's own stem
    return found


def _fold(token: str) -> str:
    word = _FOLD.get(token, token)
    for nynorsk, bokmal in _FOLD_PARTS:
        if nynorsk in word:
            word = word.replace(nynorsk, bokmal)
    return word


def _inflected(word: str) -> bool:
    """Tell whether ``word`` is a lexicon word or one of its inflections (nothing more)."""
    if word in _EXACT:
        return True
    prefixes = _PREFIXES.get(word[:3], ())
    return any(word.startswith(p) and word[len(p) :] in _ENDINGS for p, _ in prefixes)


def _concepts(word: str) -> list[str]:
    if word in _EXACT:
        return [_EXACT[word]]
    found = [c for prefix, c in _PREFIXES.get(word[:3], ()) if word.startswith(prefix)]
    found += [_TAILS[word[i:]] for i in range(3, len(word) - 2) if word[i:] in _TAILS]
    return sorted(set(found))


def stem(word: str, language: str) -> str:
    """Strip the inflection from ``word`` with a light stemmer for its language."""
    if language == "en":
        return _stem_en(word)
    if language in {"pl", "uk", "ru"} or not _is_nordic(word):
        return word[:6]  # Slavic inflection sits at the end; a fixed prefix is a fair stem
    return _stem_nordic(word)


def _is_nordic(word: str) -> bool:
    return word.isascii() or all(ch.isascii() or ch in "æøåäöéèü" for ch in word)


def _stem_nordic(word: str) -> str:
    if word.endswith(("leg", "lege", "legt")):
        word = word[: word.rindex("leg")] + "lig"  # nynorsk adjectives: dårleg → dårlig
    start = _region(word)
    for suffix in _NB_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= start:
            word = word[: -len(suffix)]
            break
    else:
        if word.endswith(("erte", "ert")) and len(word) - 3 >= start:
            word = word[: word.rindex("ert")] + "er"
        elif word.endswith("s") and len(word) - 1 >= start and _s_removable(word[:-1]):
            word = word[:-1]
    if word.endswith(("dt", "vt")) and len(word) - 2 >= start:
        word = word[:-1]
    return word


def _region(word: str) -> int:
    """Return where Snowball's R1 starts (at least 3): after the first vowel–consonant pair."""
    for i in range(1, len(word)):
        if word[i] not in _VOWELS and word[i - 1] in _VOWELS:
            return max(i + 1, 3)
    return len(word)


def _s_removable(rest: str) -> bool:
    last = rest[-1:]
    return last in _S_ENDING or (last == "k" and rest[-2:-1] not in _VOWELS)


def _stem_en(word: str) -> str:
    if len(word) <= 3:
        return word
    if word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls":
                word = word[:-1]  # stopping → stop
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word
