"""Which bills, rules and cases concern creators and AI, at which tier, why, and how to tag them.

Two tiers. **creators**: AI together with a creator context (copyright, likeness and voice,
performers, artists, writers, news, creative works, training data, deceptive images and media,
labelling and provenance, elections deepfakes) or a creator-specific term that needs no AI word
(deepfake, digital replica, voice cloning, digital forgery, synthetic media, "AI-generated", named
acts such as NO FAKES, a likeness-rights pair such as "voice and visual likeness"). **ai-policy**:
AI without any creator context (research, defence, health care, chips, workforce, chatbots).
Everything else is unrelated. Each match carries short reasons ("digital replica · likeness")
so an alert can say why it was posted. Known look-alikes are excluded ("voice vote", hearing
AIDS, "AIS" vessels, college-athlete name-image-likeness bills, "social media").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE

CREATORS = "creators"
AI_POLICY = "ai-policy"
TIERS = (CREATORS, AI_POLICY)

# An uppercase AI or A.I. as a word: never inside one (AIDS, AIS, MAID), but "AI-generated",
# "AI-enabled" and "CD-AI" count.
_AI_WORD = r"(?<![\w.])A\.?I\.?(?!\w)"

# Words that say a title is about AI at all; the most specific first, as reasons name the first.
AI_TERMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("generative AI", re.compile(r"\bgenerative (?:ai|artificial|models?|systems?|tools?)\b", _I)),
    ("machine learning", re.compile(r"\bmachine[- ]learning\b", _I)),
    ("language models", re.compile(r"\blanguage models?\b|\bLLMs?\b", _I)),
    ("chatbot", re.compile(r"\bchat[- ]?bots?\b", _I)),
    (
        "automated decisions",
        re.compile(
            r"\bautomated (?:employment )?decisions?(?:[- ]making)? (?:tools?|systems?)", _I
        ),
    ),
    ("frontier models", re.compile(r"\b(?:foundation|frontier) (?:ai )?models?\b", _I)),
    (
        "AI company",
        re.compile(
            r"\bOpenAI\b|\bAnthropic\b|\bStability AI\b|\bMidjourney\b|\bSuno\b|\bUncharted Labs\b"
            r"|\bUdio\b|\bPerplexity AI\b|\bEleven ?Labs\b|\bLovo\b|\bRunway AI\b|\bCohere\b"
        ),
    ),
    ("AI", re.compile(r"(?i:\bartificial[- ]intelligence\b)|" + _AI_WORD)),
)

# Creator-specific on their own: these words only ever name creator harms or rights.
CREATOR_TERMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("deepfake", re.compile(r"\bdeep[- ]?fak(?:e|es|ed|ing)\b", _I)),
    ("digital replica", re.compile(r"\bdigital (?:replicas?|replications?|doubles?)\b", _I)),
    ("digital likeness", re.compile(r"\bdigital likeness(?:es)?\b", _I)),
    (
        "digital forgery",
        re.compile(r"\bdigital(?:ly)? forg(?:ery|eries|ed)\b|\bforged (?:images?|media|video)", _I),
    ),
    (
        "voice cloning",
        re.compile(r"\bvoice[- ]?clon\w*|\bclon(?:e|es|ed|ing)\b[^.;]{0,40}\bvoices?\b", _I),
    ),
    (
        "synthetic media",
        re.compile(
            r"\bsynthetic(?:ally)? (?:generated |modified |altered )?(?:media|content|performers?"
            r"|voices?|images?|video|audio|depictions?)\b",
            _I,
        ),
    ),
    (
        "digitally altered",
        re.compile(r"\bdigitally (?:altered|manipulated|created)\b|\bdigital manipulation\b", _I),
    ),
    (
        "AI-generated",
        re.compile(
            r"(?:(?i:\bartificial[- ]intelligence|\bmachine|\bcomputer|\bartificially)|"
            + _AI_WORD
            + r")[- ](?i:generated|created|altered|modified|made|manipulated)\b"
            r"|(?i:\b(?:generated|created|altered|modified|made|developed)"
            r" (?:by|using|with|through) (?:the use of )?(?:generative )?artificial intelligence\b)"
            r"|\b(?:generated|created|altered|modified|made|developed) (?:by|using|with|through)"
            r" (?:generative )?AI\b"
        ),
    ),
    (
        "provenance",
        re.compile(
            r"\bprovenance\b|\bwatermark\w*|\bcontent credentials\b"
            r"|\bcontent (?:origin|authenticity|verification)\b",
            _I,
        ),
    ),
    ("NO FAKES Act", re.compile(r"\bNO FAKES\b|(?i:Nurture Originals,? Foster Art)")),
    (
        "ELVIS Act",
        re.compile(r"\bELVIS Act\b|(?i:Ensuring Likeness,? Voice,? and Image Security)"),
    ),
    ("COPIED Act", re.compile(r"\bCOPIED Act\b|(?i:Content Origin Protection and Integrity)")),
    ("TRAIN Act", re.compile(r"\bTRAIN\)? Act\b")),
    ("TAKE IT DOWN Act", re.compile(r"\bTAKE IT DOWN\b")),
    ("DEFIANCE Act", re.compile(r"\bDEFIANCE\)? Act\b|(?i:Disrupt Explicit Forged Images)")),
)

# Creator context: counts only beside an AI term ("AI" + "copyright", "chatbot" + "voices").
CONTEXT_TERMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("copyright", re.compile(r"\bcopyright\w*|\binfring\w*|\bfair use\b|\bDMCA\b", _I)),
    (
        "training data",
        re.compile(
            r"\btraining (?:data|datasets?|data sets?|materials?)\b"
            r"|\btrain(?:s|ed|ing)?\b[^.;]{0,25}\b(?:AI|artificial intelligence|models?)\b"
            r"|\btrain(?:s|ed|ing)? on\b",
            _I,
        ),
    ),
    ("likeness", re.compile(r"\blikeness(?:es)?\b|\bpersona\b|\bpublicity\b", _I)),
    ("voice", re.compile(r"\bvoices?\b|\bvocal\b", _I)),
    (
        "performers",
        re.compile(
            r"\bperformers?\b|\bactors?\b|\bentertainment\b|\bmusicians?\b|\bmusic(?:al)?\b"
            r"|\bartists?\b|\barts\b|\bsongs?\b",
            _I,
        ),
    ),
    (
        "writers",
        re.compile(r"\bwriters?\b|\bauthors?\b|\bbooks?\b|\bpublishers?\b|\bliterary\b", _I),
    ),
    ("news", re.compile(r"\bjournalis\w*|\bnews(?:papers?)?\b", _I)),
    ("creative works", re.compile(r"\bcreative\b|\bcreators?\b", _I)),
    (
        "images and media",
        re.compile(
            r"\bimages?\b|\bvideos?\b|\baudio\b|\bvisual\b|\bphotographs?\b|\bdepictions?\b"
            r"|\bdepicting\b|(?<!social )\bmedia\b|\bcontent\b(?! standards)",
            _I,
        ),
    ),
    ("labelling", re.compile(r"\blabel(?:l?ing|s|led)?\b|\bdisclaimers?\b", _I)),
    (
        "elections",
        re.compile(
            r"\belections?\b|\bELEC\b|\belectoral\b|\belectioneering\b"
            r"|(?<!education )(?<!awareness )\bcampaigns?\b|\bcandidates?\b"
            r"|\bpolitical (?:ads?|advertis\w*|communications?)\b",
            _I,
        ),
    ),
    (
        "sexual imagery",
        re.compile(
            r"\bchild sexual abuse\b|\bchild pornography\b|\bCSAM\b|\bsexually explicit\b"
            r"|\bexplicit\b|\bintimate\b|\bnon-?consensual\b|\bpornograph\w*",
            _I,
        ),
    ),
    ("lawsuit", re.compile(r"\bv\.\s|\bvs\.\s")),
)

# "voice and visual likeness", "voice or likeness", "likeness and voice": a likeness-rights bill.
_LIKENESS_PAIR = re.compile(
    r"\b(?:voice|image)s?\b[^.;]{0,25}\blikeness|\blikeness(?:es)?\b[^.;]{0,25}\b(?:voice|image)s?\b"
    r"|\bright of publicity\b",
    _I,
)

# Look-alikes: removed before matching (bill actions) or vetoing likeness pairs.
_NOISE = re.compile(r"\b(?:voice vote|by voice(?![- ]?clon)|viva voce)\b", _I)
_ATHLETE_NIL = re.compile(
    r"\b(?:student[- ]athletes?|college athletes?|intercollegiate|athletic programs?)\b", _I
)

TAG_RULES: dict[str, re.Pattern[str]] = {
    "likeness": re.compile(
        r"(?i:likeness|\bvoice|digital (?:replica|double)|publicity|impersonat)|NO FAKES|ELVIS"
    ),
    "training-data": re.compile(
        r"(?i:training (?:data|datasets?)|\btrain(?:ed|ing)? on\b|copyright disclosure)|TRAIN Act"
    ),
    "deepfake": re.compile(
        r"(?i:deep[- ]?fake|synthetic (?:media|content|image|voice)|voice[- ]?clon|digital forger"
        r"|digitally (?:altered|manipulated|forged))"
        # Named acts match as written: "copied" in a piracy case is not the COPIED Act.
        r"|\bCOPIED\b|\bDEFIANCE\b|\bTAKE IT DOWN\b"
    ),
    "copyright": re.compile(r"copyright|infring|fair use|\bDMCA\b", _I),
    "elections": re.compile(
        r"election|political (?:ad|advertis|communication)|campaign|candidate", _I
    ),
    "ncii": re.compile(
        r"(?i:intimate|sexually explicit|non-?consensual|nudify|exploitation)|TAKE IT DOWN|DEFIANCE"
    ),
}

MAX_REASONS = 4

# A title can only be relevant if it holds one of these words: every AI term, creator term and
# likeness pair above needs one of them (checked in lower case; the case-sensitive ones as
# written). Most titles hold none, and one pass over the title for them costs far less than
# searching all the patterns. Used only for ASCII text, where IGNORECASE is plain lower case.
_GATE_LOWER = re.compile(
    r"generative|machine|language model|llm|chat|automated|foundation|frontier|openai|anthropic"
    r"|stability ai|midjourney|suno|uncharted labs|udio|perplexity ai|eleven|lovo|runway ai"
    r"|cohere|artificial|deep|digital|forged|clon|synthetic|computer|provenance|watermark"
    r"|content|no fakes|nurture originals|elvis act|ensuring likeness|copied act|take it down"
    r"|defiance|disrupt explicit|likeness|publicity"
)
_GATE_CASED = re.compile(r"A\.?I|TRAIN")


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """Whether an item concerns AI, at which tier, why (short labels), and its tags."""

    relevant: bool
    reasons: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    tier: str | None = None  # "creators", "ai-policy", or None when unrelated


def _hits(rules: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(label for label, rule in rules if rule.search(text)))


def match_topic(*texts: str | None) -> TopicMatch:
    """Judge an item from its title, summary and latest action together."""
    text = _NOISE.sub(" ", " \n ".join(t for t in texts if t))
    if text.isascii() and not (_GATE_LOWER.search(text.lower()) or _GATE_CASED.search(text)):
        return TopicMatch(False)
    return _judge(text)


def _judge(text: str) -> TopicMatch:
    creator = _hits(CREATOR_TERMS, text)
    ai = _hits(AI_TERMS, text)
    context = _hits(CONTEXT_TERMS, text) if ai else ()
    pair = None if _ATHLETE_NIL.search(text) else _LIKENESS_PAIR.search(text)
    if creator or context:
        # Beside a creator context, say which AI word made it AI ("AI · copyright").
        lead = ("AI company",) if "AI company" in ai else ai[:1]
        tier, reasons = CREATORS, creator + context if creator else lead + context
    elif pair:
        tier, reasons = CREATORS, ("likeness rights",)
    elif ai:
        tier, reasons = AI_POLICY, ai
    else:
        return TopicMatch(False)
    tags = tuple(tag for tag, rule in TAG_RULES.items() if rule.search(text))
    return TopicMatch(True, reasons[:MAX_REASONS], tags, tier)
