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
        # One \b(?:…)\b, not a \b…\b per word: the same matches, searched twice as fast.
        re.compile(
            r"\b(?:images?|videos?|audio|visual|photographs?|depictions?|depicting"
            r"|content(?! standards))\b|(?<!social )\bmedia\b",
            _I,
        ),
    ),
    ("labelling", re.compile(r"\blabel(?:l?ing|s|led)?\b|\bdisclaimers?\b", _I)),
    (
        "elections",
        re.compile(
            r"\b(?:elections?|elec|electoral|electioneering|candidates?"
            r"|political (?:ads?|advertis\w*|communications?))\b"
            r"|(?<!education )(?<!awareness )\bcampaigns?\b",
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

# One pass finds every rule that can match. Each rule names words that any of its matches must
# hold at the start of a word (in lower case; the case-sensitive AI and TRAIN as written). One
# pattern finds all of those words in the text at once, and only the rules whose words occurred
# are searched: most titles hold none, a relevant one needs a handful of the sixty rules. Used only
# for ASCII text, where IGNORECASE is plain lower case (and \b the same in either case).
_AI_CASED = ("AI", "A.I")
_ANCHORS: dict[str, tuple[str, ...]] = {
    # AI_TERMS
    "generative AI": ("generative",),
    "machine learning": ("machine",),
    "language models": ("language", "llm"),
    "chatbot": ("chat",),
    "automated decisions": ("automated",),
    "frontier models": ("foundation", "frontier"),
    "AI company": (
        "openai",
        "anthropic",
        "stability",
        "midjourney",
        "suno",
        "uncharted",
        "udio",
        "perplexity",
        "eleven",
        "lovo",
        "runway",
        "cohere",
    ),
    "AI": ("artificial", *_AI_CASED),
    # CREATOR_TERMS
    "deepfake": ("deep",),
    "digital replica": ("digital",),
    "digital likeness": ("digital",),
    "digital forgery": ("digital", "forged"),
    "voice cloning": ("voice",),  # "voice-cloning", or "cloned … voices"
    "synthetic media": ("synthetic",),
    "digitally altered": ("digital",),
    "AI-generated": ("artificial", "machine", "computer", *_AI_CASED),
    "provenance": ("provenance", "watermark", "content"),
    # The named acts' long titles match inside words too, but their later words start words.
    "NO FAKES Act": ("fakes", "originals"),
    "ELVIS Act": ("elvis", "likeness"),
    "COPIED Act": ("copied", "origin"),
    "TRAIN Act": ("TRAIN",),
    "TAKE IT DOWN Act": ("take",),
    "DEFIANCE Act": ("defiance", "explicit"),
    # CONTEXT_TERMS
    "copyright": ("copyright", "infring", "fair", "dmca"),
    "training data": ("train",),
    "likeness": ("likeness", "persona", "publicity"),
    "voice": ("voice", "vocal"),
    "performers": ("perform", "actor", "entertainment", "music", "artist", "arts", "song"),
    "writers": ("writer", "author", "book", "publisher", "literary"),
    "news": ("journalis", "news"),
    "creative works": ("creative", "creator"),
    "images and media": (
        "image",
        "video",
        "audio",
        "visual",
        "photograph",
        "depict",
        "media",
        "content",
    ),
    "labelling": ("label", "disclaimer"),
    "elections": ("elec", "campaign", "candidate", "political"),
    "sexual imagery": (
        "child",
        "csam",
        "explicit",
        "intimate",
        "nonconsensual",
        "non-consensual",
        "pornograph",
    ),
    "lawsuit": ("v.", "vs."),
    # _LIKENESS_PAIR
    "likeness pair": ("likeness", "publicity"),
}
# Tag rules match inside words too: each needs one of these anywhere in the lower-cased text.
_TAG_WORDS: dict[str, tuple[str, ...]] = {
    "likeness": ("likeness", "voice", "digital", "publicity", "impersonat", "no fakes", "elvis"),
    "training-data": ("train", "copyright disclosure"),
    "deepfake": ("deep", "synthetic", "voice", "digital", "copied", "defiance", "take it down"),
    "copyright": ("copyright", "infring", "fair use", "dmca"),
    "elections": ("election", "political", "campaign", "candidate"),
    "ncii": (
        "intimate",
        "sexually explicit",
        "consensual",
        "nudify",
        "exploitation",
        "take it down",
        "defiance",
    ),
}
# Bill actions' look-alikes ("voice vote") all hold one of these; removed before matching.
_NOISE_WORDS = ("voice", "viva voce")


def _trie(words: list[str]) -> str:
    """An alternation of words, factored by common prefixes (the regex engine tries fewer)."""
    firsts = sorted({w[0] for w in words})
    branches = []
    for first in firsts:
        rests = [w[1:] for w in words if w[0] == first]
        if rests == [""]:
            branches.append(re.escape(first))
        else:
            branches.append(re.escape(first) + _trie(rests))
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def _scanner(words: set[str]) -> tuple[re.Pattern[str], dict[str, frozenset[str]]]:
    """One pattern finding every word that starts a word of the text, and each word's rules.

    A word that another starts with stands for both, so no two words match at the same place;
    and each match lies inside one word of the text (or, for the few with a dot, before the
    next word starts), so the matches never hide one another.
    """
    kept = sorted(w for w in words if not any(w != o and w.startswith(o) for o in words))
    rules: dict[str, set[str]] = {w: set() for w in kept}
    for label, anchors in _ANCHORS.items():
        for anchor in anchors:
            for w in kept:
                if anchor.startswith(w):
                    rules[w].add(label)
    return re.compile(rf"\b{_trie(kept)}"), {w: frozenset(r) for w, r in rules.items()}


_CASED_WORDS = {"AI", "A.I", "TRAIN"}
_SCAN_LOWER, _LOWER_RULES = _scanner(
    {a for anchors in _ANCHORS.values() for a in anchors} - _CASED_WORDS
)
_SCAN_CASED, _CASED_RULES = _scanner(_CASED_WORDS)


def _candidates(text: str, lowered: str) -> frozenset[str]:
    """The rules whose words start words of an ASCII text: only these can match it."""
    found: set[str] = set()
    for word in _SCAN_LOWER.findall(lowered):
        found |= _LOWER_RULES[word]
    if "AI" in text or "A.I" in text or "TRAIN" in text:  # rare: skip the pattern's pass
        for word in _SCAN_CASED.findall(text):
            found |= _CASED_RULES[word]
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """Whether an item concerns AI, at which tier, why (short labels), and its tags."""

    relevant: bool
    reasons: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    tier: str | None = None  # "creators", "ai-policy", or None when unrelated


def _hits(
    rules: tuple[tuple[str, re.Pattern[str]], ...], text: str, only: frozenset[str] | None
) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(
            label for label, rule in rules if (only is None or label in only) and rule.search(text)
        )
    )


def match_topic(*texts: str | None) -> TopicMatch:
    """Judge an item from its title, summary and latest action together."""
    text = " \n ".join(t for t in texts if t)
    if not text.isascii():
        return _judge(_NOISE.sub(" ", text))
    lowered = text.lower()
    if any(word in lowered for word in _NOISE_WORDS):
        text = _NOISE.sub(" ", text)
        lowered = text.lower()
    candidates = _candidates(text, lowered)
    return _judge(text, candidates, lowered) if candidates else TopicMatch(False)


def _judge(text: str, only: frozenset[str] | None = None, lowered: str | None = None) -> TopicMatch:
    """The verdict on a text; `only` (with the text `lowered`) limits the rules searched to
    those that can match."""
    creator = _hits(CREATOR_TERMS, text, only)
    ai = _hits(AI_TERMS, text, only)
    context = _hits(CONTEXT_TERMS, text, only) if ai else ()
    if creator or context:
        # Beside a creator context, say which AI word made it AI ("AI · copyright").
        lead = ("AI company",) if "AI company" in ai else ai[:1]
        tier, reasons = CREATORS, creator + context if creator else lead + context
    elif _likeness_pair(text, only):
        tier, reasons = CREATORS, ("likeness rights",)
    elif ai:
        tier, reasons = AI_POLICY, ai
    else:
        return TopicMatch(False)
    tags = tuple(
        tag
        for tag, rule in TAG_RULES.items()
        if (lowered is None or any(word in lowered for word in _TAG_WORDS[tag]))
        and rule.search(text)
    )
    return TopicMatch(True, reasons[:MAX_REASONS], tags, tier)


def _likeness_pair(text: str, only: frozenset[str] | None) -> bool:
    if only is not None and "likeness pair" not in only:
        return False
    return not _ATHLETE_NIL.search(text) and _LIKENESS_PAIR.search(text) is not None
