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
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

_I = re.IGNORECASE
# The patterns searched only in ASCII text (`Rule.fold` and `Rule.cased`, the one pass) are
# compiled as ASCII patterns: in an ASCII text \b and \w mean the same either way, and the regex
# engine tests a character for a word character from a table instead of Unicode's properties
# (the matcher ran 15% fewer instructions a title).
_ASCII = re.ASCII

CREATORS = "creators"
AI_POLICY = "ai-policy"
TIERS = (CREATORS, AI_POLICY)


@dataclass(frozen=True, slots=True)
class Rule:
    """A term's pattern in two parts, either of which matching makes it match: `fold` in any
    letter case, written in lower case, and `cased` as written (it may hold `(?i:…)` groups).

    In an ASCII text, matching in any case is matching the lower-case pattern in the lower-cased
    text, which the regex engine searches several times faster than with IGNORECASE (it can look
    for the pattern's leading letters instead of trying every position): the one pass and the
    rules it selects search `lowered` with `fold` (`search_ascii`). Any other text is searched
    with the whole, `(?i:fold)|cased` (`search`), which the matcher's gate tests hold the one
    pass to.
    """

    whole: re.Pattern[str]
    fold: re.Pattern[str] | None
    cased: re.Pattern[str] | None

    def search(self, text: str) -> bool:
        return self.whole.search(text) is not None

    def search_ascii(self, text: str, lowered: str) -> bool:
        """Search an ASCII text, given in lower case too."""
        if self.fold is not None and self.fold.search(lowered) is not None:
            return True
        return self.cased is not None and self.cased.search(text) is not None


def _rule(fold: str = "", cased: str = "") -> Rule:
    if re.search(r"[A-Z]", re.sub(r"\\.", "", fold)):
        raise ValueError(f"a rule's any-case part is written in lower case: {fold!r}")
    whole = "|".join(filter(None, (f"(?i:{fold})" if fold else "", cased)))
    return Rule(
        re.compile(whole),
        re.compile(fold, _ASCII) if fold else None,
        re.compile(cased, _ASCII) if cased else None,
    )


# An uppercase AI or A.I. as a word: never inside one (AIDS, AIS, MAID), but "AI-generated",
# "AI-enabled" and "CD-AI" count. The look-behind comes after the A, so that the search looks
# for an A rather than trying every place in the text (five times faster).
_AI_WORD = r"A(?<![\w.]A)\.?I\.?(?!\w)"

# Words that say a title is about AI at all; the most specific first, as reasons name the first.
AI_TERMS: tuple[tuple[str, Rule], ...] = (
    ("generative AI", _rule(r"\bgenerative (?:ai|artificial|models?|systems?|tools?)\b")),
    ("machine learning", _rule(r"\bmachine[- ]learning\b")),
    ("language models", _rule(r"\blanguage models?\b|\bllms?\b")),
    ("chatbot", _rule(r"\bchat[- ]?bots?\b")),
    (
        "automated decisions",
        _rule(r"\bautomated (?:employment )?decisions?(?:[- ]making)? (?:tools?|systems?)"),
    ),
    ("frontier models", _rule(r"\b(?:foundation|frontier) (?:ai )?models?\b")),
    (
        "AI company",
        _rule(
            cased=r"\bOpenAI\b|\bAnthropic\b|\bStability AI\b|\bMidjourney\b|\bSuno\b"
            r"|\bUncharted Labs\b|\bUdio\b|\bPerplexity AI\b|\bEleven ?Labs\b|\bLovo\b"
            r"|\bRunway AI\b|\bCohere\b"
        ),
    ),
    ("AI", _rule(r"\bartificial[- ]intelligence\b", _AI_WORD)),
)

_MADE = r"(?:generated|created|altered|modified|made|manipulated)"
_MADE_BY = r"\b(?:generated|created|altered|modified|made|developed) (?:by|using|with|through)"

# Creator-specific on their own: these words only ever name creator harms or rights.
CREATOR_TERMS: tuple[tuple[str, Rule], ...] = (
    ("deepfake", _rule(r"\bdeep[- ]?fak(?:e|es|ed|ing)\b")),
    ("digital replica", _rule(r"\bdigital (?:replicas?|replications?|doubles?)\b")),
    ("digital likeness", _rule(r"\bdigital likeness(?:es)?\b")),
    (
        "digital forgery",
        _rule(r"\bdigital(?:ly)? forg(?:ery|eries|ed)\b|\bforged (?:images?|media|video)"),
    ),
    (
        "voice cloning",
        _rule(r"\bvoice[- ]?clon\w*|\bclon(?:e|es|ed|ing)\b[^.;]{0,40}\bvoices?\b"),
    ),
    (
        "synthetic media",
        _rule(
            r"\bsynthetic(?:ally)? (?:generated |modified |altered )?(?:media|content|performers?"
            r"|voices?|images?|video|audio|depictions?)\b"
        ),
    ),
    (
        "digitally altered",
        _rule(r"\bdigitally (?:altered|manipulated|created)\b|\bdigital manipulation\b"),
    ),
    (
        "AI-generated",
        _rule(
            r"(?:\bartificial[- ]intelligence|\bmachine|\bcomputer|\bartificially)[- ]"
            + _MADE
            + r"\b|"
            + _MADE_BY
            + r" (?:the use of )?(?:generative )?artificial intelligence\b",
            _AI_WORD + r"[- ](?i:" + _MADE + r")\b|" + _MADE_BY + r" (?:generative )?AI\b",
        ),
    ),
    (
        "provenance",
        _rule(
            r"\bprovenance\b|\bwatermark\w*|\bcontent credentials\b"
            r"|\bcontent (?:origin|authenticity|verification)\b"
        ),
    ),
    ("NO FAKES Act", _rule(r"nurture originals,? foster art", r"\bNO FAKES\b")),
    ("ELVIS Act", _rule(r"ensuring likeness,? voice,? and image security", r"\bELVIS Act\b")),
    ("COPIED Act", _rule(r"content origin protection and integrity", r"\bCOPIED Act\b")),
    ("TRAIN Act", _rule(cased=r"\bTRAIN\)? Act\b")),
    ("TAKE IT DOWN Act", _rule(cased=r"\bTAKE IT DOWN\b")),
    ("DEFIANCE Act", _rule(r"disrupt explicit forged images", r"\bDEFIANCE\)? Act\b")),
)

# Creator context: counts only beside an AI term ("AI" + "copyright", "chatbot" + "voices").
CONTEXT_TERMS: tuple[tuple[str, Rule], ...] = (
    ("copyright", _rule(r"\bcopyright\w*|\binfring\w*|\bfair use\b|\bdmca\b")),
    (
        "training data",
        _rule(
            r"\btraining (?:data|datasets?|data sets?|materials?)\b"
            r"|\btrain(?:s|ed|ing)?\b[^.;]{0,25}\b(?:ai|artificial intelligence|models?)\b"
            r"|\btrain(?:s|ed|ing)? on\b"
        ),
    ),
    ("likeness", _rule(r"\blikeness(?:es)?\b|\bpersona\b|\bpublicity\b")),
    ("voice", _rule(r"\bvoices?\b|\bvocal\b")),
    (
        "performers",
        _rule(
            r"\bperformers?\b|\bactors?\b|\bentertainment\b|\bmusicians?\b|\bmusic(?:al)?\b"
            r"|\bartists?\b|\barts\b|\bsongs?\b"
        ),
    ),
    ("writers", _rule(r"\bwriters?\b|\bauthors?\b|\bbooks?\b|\bpublishers?\b|\bliterary\b")),
    ("news", _rule(r"\bjournalis\w*|\bnews(?:papers?)?\b")),
    ("creative works", _rule(r"\bcreative\b|\bcreators?\b")),
    (
        "images and media",
        # One \b(?:…)\b, not a \b…\b per word: the same matches, searched twice as fast.
        _rule(
            r"\b(?:images?|videos?|audio|visual|photographs?|depictions?|depicting"
            r"|content(?! standards))\b|(?<!social )\bmedia\b"
        ),
    ),
    ("labelling", _rule(r"\blabel(?:l?ing|s|led)?\b|\bdisclaimers?\b")),
    (
        "elections",
        _rule(
            r"\b(?:elections?|elec|electoral|electioneering|candidates?"
            r"|political (?:ads?|advertis\w*|communications?))\b"
            r"|(?<!education )(?<!awareness )\bcampaigns?\b"
        ),
    ),
    (
        "sexual imagery",
        _rule(
            r"\bchild sexual abuse\b|\bchild pornography\b|\bcsam\b|\bsexually explicit\b"
            r"|\bexplicit\b|\bintimate\b|\bnon-?consensual\b|\bpornograph\w*"
        ),
    ),
    ("lawsuit", _rule(cased=r"\bv\.\s|\bvs\.\s")),
)

# "voice and visual likeness", "voice or likeness", "likeness and voice": a likeness-rights bill.
_LIKENESS_PAIR = _rule(
    r"\b(?:voice|image)s?\b[^.;]{0,25}\blikeness|\blikeness(?:es)?\b[^.;]{0,25}\b(?:voice|image)s?\b"
    r"|\bright of publicity\b"
)

# Look-alikes: removed before matching (bill actions) or vetoing likeness pairs.
_NOISE = re.compile(r"\b(?:voice vote|by voice(?![- ]?clon)|viva voce)\b", _I)
_ATHLETE_NIL = _rule(
    r"\b(?:student[- ]athletes?|college athletes?|intercollegiate|athletic programs?)\b"
)

TAG_RULES: dict[str, Rule] = {
    "likeness": _rule(
        r"likeness|\bvoice|digital (?:replica|double)|publicity|impersonat", "NO FAKES|ELVIS"
    ),
    "training-data": _rule(
        r"training (?:data|datasets?)|\btrain(?:ed|ing)? on\b|copyright disclosure", "TRAIN Act"
    ),
    "deepfake": _rule(
        r"deep[- ]?fake|synthetic (?:media|content|image|voice)|voice[- ]?clon|digital forger"
        r"|digitally (?:altered|manipulated|forged)",
        # Named acts match as written: "copied" in a piracy case is not the COPIED Act.
        r"\bCOPIED\b|\bDEFIANCE\b|\bTAKE IT DOWN\b",
    ),
    "copyright": _rule(r"copyright|infring|fair use|\bdmca\b"),
    "elections": _rule(r"election|political (?:ad|advertis|communication)|campaign|candidate"),
    "ncii": _rule(
        r"intimate|sexually explicit|non-?consensual|nudify|exploitation", "TAKE IT DOWN|DEFIANCE"
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
    return re.compile(rf"\b{_trie(kept)}", _ASCII), {w: frozenset(r) for w, r in rules.items()}


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


# The verdict on most texts, made once (a frozen value, shared).
_UNRELATED = TopicMatch(False)


@dataclass(frozen=True, slots=True)
class _Rules:
    """The rules to search in a text: all of them, or those its words allow (`_rules_for`)."""

    creator: tuple[tuple[str, Rule], ...]
    ai: tuple[tuple[str, Rule], ...]
    context: tuple[tuple[str, Rule], ...]
    pair: bool  # the likeness pair can match

    @property
    def can_match(self) -> bool:
        """Whether any rule that makes a text relevant is left (context alone never does)."""
        return bool(self.creator or self.ai or self.pair)


_ALL_RULES = _Rules(CREATOR_TERMS, AI_TERMS, CONTEXT_TERMS, True)
# Each tag's rule with the words it needs in the lower-cased text (see _TAG_WORDS).
_TAGS = tuple((tag, rule, _TAG_WORDS[tag]) for tag, rule in TAG_RULES.items())


@lru_cache(maxsize=1024)
def _rules_for(only: frozenset[str]) -> _Rules:
    """The rules of each kind named in `only`, in their order: the same few sets of words
    recur from title to title, so each set's rules are picked out once."""

    def kept(rules: tuple[tuple[str, Rule], ...]) -> tuple[tuple[str, Rule], ...]:
        return tuple((label, rule) for label, rule in rules if label in only)

    return _Rules(kept(CREATOR_TERMS), kept(AI_TERMS), kept(CONTEXT_TERMS), "likeness pair" in only)


def _hits(rules: tuple[tuple[str, Rule], ...], found: Callable[[Rule], bool]) -> tuple[str, ...]:
    """The labels of the rules found, in order (each table's labels are distinct)."""
    return tuple(label for label, rule in rules if found(rule))


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
    return _judge(text, candidates, lowered) if candidates else _UNRELATED


def _judge(text: str, only: frozenset[str] | None = None, lowered: str | None = None) -> TopicMatch:
    """The verdict on a text; `only` (with the ASCII text `lowered`) limits the rules searched
    to those that can match, and searches them in the lower-cased text where they may."""
    rules = _ALL_RULES if only is None else _rules_for(only)
    if not rules.can_match:
        return _UNRELATED

    def found(rule: Rule) -> bool:
        return rule.search(text) if lowered is None else rule.search_ascii(text, lowered)

    creator = _hits(rules.creator, found)
    ai = _hits(rules.ai, found)
    context = _hits(rules.context, found) if ai else ()
    if creator or context:
        # Beside a creator context, say which AI word made it AI ("AI · copyright").
        lead = ("AI company",) if "AI company" in ai else ai[:1]
        tier, reasons = CREATORS, creator + context if creator else lead + context
    elif rules.pair and found(_LIKENESS_PAIR) and not found(_ATHLETE_NIL):
        tier, reasons = CREATORS, ("likeness rights",)
    elif ai:
        tier, reasons = AI_POLICY, ai
    else:
        return _UNRELATED
    tags = tuple(
        tag
        for tag, rule, words in _TAGS
        if (lowered is None or any(word in lowered for word in words)) and found(rule)
    )
    return TopicMatch(True, reasons[:MAX_REASONS], tags, tier)
