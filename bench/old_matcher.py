"""The topic matcher as it was before relevance tiers, kept to compare (the bot never uses it).

Which bills, rules and cases concern creators and AI, and how to tag them.

One strong term is enough (artificial intelligence, a bare uppercase AI, deepfake, digital replica,
named acts such as NO FAKES). Weak terms (likeness, voice, copyright, consent, …) count only beside
a strong one, or together as a likeness-rights pair ("voice and visual likeness"): many creator
bills never say "artificial intelligence" in their titles. Known look-alikes are excluded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE

STRONG_TERMS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bartificial[- ]intelligence\b", _I),
    re.compile(r"\bgenerative (?:ai|models?|systems?)\b", _I),
    re.compile(r"(?<![\w.-])A\.?I\.?(?![\w-])"),  # uppercase AI / A.I. as a word, never inside one
    re.compile(r"\bdeep[- ]?fakes?d?\b", _I),
    re.compile(r"\bdigital (?:replicas?|replications?|likeness(?:es)?|doubles?)\b", _I),
    re.compile(r"\bvoice[- ]?clon(?:e|es|ed|ing)\b", _I),
    re.compile(r"\bsynthetic (?:media|content|performers?|voices?|images?)\b", _I),
    re.compile(r"\bdigitally (?:altered|manipulated|forged)\b", _I),
    re.compile(r"\bdigital forger(?:y|ies)\b", _I),
    re.compile(r"\btraining (?:data|datasets?)\b", _I),
    re.compile(r"\bcontent provenance\b", _I),
    re.compile(r"\bmachine[- ]learning\b", _I),
    re.compile(r"\blarge language models?\b", _I),
    re.compile(r"\bchatbots?\b", _I),
    re.compile(r"\bNO FAKES\b|Nurture Originals,? Foster Art", _I),
    re.compile(r"\bELVIS Act\b", _I),
    re.compile(r"\bCOPIED Act\b", _I),
    re.compile(r"\bTRAIN Act\b"),
    re.compile(r"\bTAKE IT DOWN Act\b", _I),
    re.compile(r"\bDEFIANCE Act\b", _I),
    re.compile(r"\bOpenAI\b|\bAnthropic\b|\bStability AI\b|\bMidjourney\b", _I),
)

WEAK_TERMS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\blikeness(?:es)?\b", _I),
    re.compile(r"\bvoices?\b", _I),
    re.compile(r"\bcopyright(?:s|ed)?\b", _I),
    re.compile(r"\bconsent\b", _I),
    re.compile(r"\bright of publicity\b|\bpublicity rights?\b", _I),
    re.compile(r"\bimpersonat(?:e|ion|ing)\b", _I),
    re.compile(r"\bperformers?\b", _I),
    re.compile(r"\bintimate (?:images?|depictions?|visual)\b", _I),
    re.compile(r"\bprovenance\b|\bwatermark", _I),
    re.compile(r"\bdisclos(?:e|ure)\b", _I),
)

# "voice and visual likeness", "voice or likeness", "likeness and voice": a likeness-rights bill.
_LIKENESS_PAIR = re.compile(
    r"\b(?:voice|image)s?\b[^.;]{0,25}\blikeness|\blikeness(?:es)?\b[^.;]{0,25}\b(?:voice|image)s?\b"
    r"|\bright of publicity\b",
    _I,
)

# Look-alikes: removed before matching (bill actions) or vetoing weak-only matches.
_NOISE = re.compile(r"\b(?:voice vote|by voice|viva voce)\b", _I)
_ATHLETE_NIL = re.compile(
    r"\b(?:student[- ]athletes?|college athletes?|intercollegiate|athletic programs?)\b", _I
)

TAG_RULES: dict[str, re.Pattern[str]] = {
    "likeness": re.compile(
        r"likeness|\bvoice|digital (?:replica|double)|publicity|impersonat|NO FAKES|ELVIS", _I
    ),
    "training-data": re.compile(
        r"training (?:data|datasets?)|\btrain(?:ed|ing)? on\b|TRAIN Act|copyright disclosure", _I
    ),
    "deepfake": re.compile(
        r"deep[- ]?fake|synthetic (?:media|content|image|voice)|voice[- ]?clon|digital forger"
        r"|digitally (?:altered|manipulated|forged)|COPIED|DEFIANCE|TAKE IT DOWN",
        _I,
    ),
    "copyright": re.compile(r"copyright|infring|fair use|\bDMCA\b", _I),
    "elections": re.compile(
        r"election|political (?:ad|advertis|communication)|campaign|candidate", _I
    ),
    "ncii": re.compile(
        r"intimate|sexually explicit|non-?consensual|nudify|exploitation|TAKE IT DOWN|DEFIANCE", _I
    ),
}


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """Whether an item concerns creators and AI, why, and its tags."""

    relevant: bool
    reasons: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


def match_topic(*texts: str | None) -> TopicMatch:
    """Judge an item from its title, summary and latest action together."""
    text = _NOISE.sub(" ", " \n ".join(t for t in texts if t))
    strong = [p.search(text) for p in STRONG_TERMS]
    strong_hits = tuple(dict.fromkeys(m.group(0) for m in strong if m))
    weak_hits = tuple(
        dict.fromkeys(m.group(0).lower() for p in WEAK_TERMS if (m := p.search(text)))
    )
    pair = _LIKENESS_PAIR.search(text)
    if strong_hits:
        reasons = strong_hits + weak_hits
    elif pair and not _ATHLETE_NIL.search(text):
        reasons = (pair.group(0),)
    else:
        return TopicMatch(False)
    tags = tuple(tag for tag, rule in TAG_RULES.items() if rule.search(text))
    return TopicMatch(True, reasons, tags)
