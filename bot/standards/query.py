"""Turn a question in a creator's own words into search concepts: stems, synonyms, typo fixes."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
_STEMMER = Stemmer.Stemmer("english")
# Typo corrections kept per loaded text (a word and its correction: well under a megabyte).
CORRECTIONS_KEPT = 4096

STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "aren't",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "can't",
        "could",
        "couldn't",
        "did",
        "didn't",
        "do",
        "does",
        "doesn't",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "hadn't",
        "has",
        "hasn't",
        "have",
        "haven't",
        "having",
        "he",
        "he'd",
        "he'll",
        "he's",
        "her",
        "here",
        "here's",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "how's",
        "i",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "it's",
        "its",
        "itself",
        "let's",
        "me",
        "more",
        "most",
        "mustn't",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "ought",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "shan't",
        "she",
        "she'd",
        "she'll",
        "she's",
        "should",
        "shouldn't",
        "so",
        "some",
        "such",
        "than",
        "that",
        "that's",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "there's",
        "these",
        "they",
        "they'd",
        "they'll",
        "they're",
        "they've",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "wasn't",
        "we",
        "we'd",
        "we'll",
        "we're",
        "we've",
        "were",
        "weren't",
        "what",
        "what's",
        "when",
        "when's",
        "where",
        "where's",
        "which",
        "while",
        "who",
        "who's",
        "whom",
        "why",
        "why's",
        "will",
        "with",
        "won't",
        "would",
        "wouldn't",
        "you",
        "you'd",
        "you'll",
        "you're",
        "you've",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "just",
        "really",
        "actually",
        "basically",
        "like",
        "get",
        "got",
        "gets",
        "getting",
        "know",
        "want",
        "wants",
        "tell",
        "told",
        "say",
        "says",
        "said",
        "thing",
        "things",
        "stuff",
        "someone",
        "anyone",
        "somebody",
        "anybody",
        "something",
        "anything",
        "hey",
        "hi",
        "hello",
        "please",
        "thanks",
        "thank",
        "pls",
        "plz",
        "ok",
        "okay",
        "yeah",
        "yes",
        "guys",
        "lol",
        "u",
        "ur",
        "im",
        "dont",
        "cant",
        "wont",
        "doesnt",
        "isnt",
        "whats",
        "hows",
        "thats",
        "theyre",
        "youre",
        "ive",
        "id",
        "ill",
        "mean",
        "means",
        "go",
        "going",
        "gonna",
        "wanna",
        "gotta",
        "even",
        "still",
        "much",
        "many",
        "lot",
        "lots",
        "way",
        "kind",
        "sort",
        "happen",
        "happens",
        "happened",
        "one",
        "ones",
        "us",
        "let",
        "lets",
        "does",
        "did",
        "make",
    ]
)

# Words creators use for the same idea; each group counts as one concept when scoring.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = (
    (
        "deepfake",
        "deepfakes",
        "deep fake",
        "digital replica",
        "voice clone",
        "cloned voice",
        "ai double",
        "digital double",
        "impersonation",
        "impersonate",
        "fake video",
    ),
    ("replica", "replicas", "clone", "cloned", "cloning", "double", "likeness", "avatar"),
    ("train", "training", "trained", "scrape", "scraped", "scraping", "dataset", "datasets"),
    (
        "pay",
        "paid",
        "payment",
        "compensation",
        "compensate",
        "compensated",
        "royalty",
        "royalties",
        "money",
        "fee",
    ),
    ("label", "labels", "labelling", "labeling", "disclose", "disclosure", "disclosing"),
    ("credit", "credited", "attribution", "attribute", "byline"),
    ("dead", "death", "died", "deceased", "estate", "posthumous"),
    ("job", "jobs", "livelihood", "layoffs", "laid off", "career", "careers"),
    ("provenance", "content credentials", "c2pa", "watermark", "watermarks"),
    ("authorship", "author", "authored", "copyrightable"),
    ("lawsuit", "lawsuits", "sue", "suing", "litigation", "court"),
    ("transparency", "transparent", "which data", "what data"),
    ("pledge", "pledges", "sign", "signing", "signature"),
    ("union", "unions", "guild"),
)


def stem(word: str) -> str:
    """The English (Porter2) stem of a lowercase word (PyStemmer keeps the recent ones)."""
    return _STEMMER.stemWord(word)


def words(text: str) -> list[str]:
    """Lowercase words of text, apostrophes normalised."""
    return [w.replace("’", "'") for w in _WORD.findall(text.lower())]


def semantic_text(question: str) -> str:
    """The question without filler words, which would pull its mean vector towards nothing."""
    return " ".join(w for w in words(question) if w not in STOP_WORDS)


def stems_of(text: str) -> list[str]:
    """The stems of every word in text, in order."""
    return [stem(w) for w in words(text)]


# A phrase as written and as stems (for the word index and for scoring).
Phrase = tuple[str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Concept:
    """One idea from the question: the user's word and the phrases that also express it."""

    word: str
    alternatives: tuple[Phrase, ...]

    def matches(self, stem_set: frozenset[str], stem_text: str) -> bool:
        """Whether a section's stems (and stem text, for phrases) contain this concept."""
        for _, phrase in self.alternatives:
            if len(phrase) == 1:
                if phrase[0] in stem_set:
                    return True
            elif f" {' '.join(phrase)} " in stem_text:
                return True
        return False


def _synonym_index() -> dict[tuple[str, ...], tuple[Phrase, ...]]:
    index: dict[tuple[str, ...], tuple[Phrase, ...]] = {}
    for group in SYNONYM_GROUPS:
        phrases = tuple({tuple(stems_of(p)): (p, tuple(stems_of(p))) for p in group}.values())
        for _, stems in phrases:
            index[stems] = phrases
    return index


_SYNONYMS = _synonym_index()


class QueryParser:
    """Builds concepts from a question against the vocabulary of the loaded standards.

    A word the text doesn't use is corrected to the text's nearest word only when it looks like a
    typo of it: not when the text has the word in another form ("thumbnail"), not when it is a
    common word spelled right (`is_word`: "night" must not become "right", nor "kinds" "kids"),
    never to a filler word ("intro" is not "into"), with the same first letter, and at most one
    edit away (two for words of eight letters or more; a swap of two letters is one edit).
    """

    def __init__(
        self, vocabulary: Iterable[str], is_word: Callable[[str], bool] | None = None
    ) -> None:
        # Synonym words count as known, so a typo can be corrected towards them too.
        synonyms = {w for group in SYNONYM_GROUPS for phrase in group for w in phrase.split()}
        self._vocabulary = frozenset(vocabulary) | synonyms
        self._stems = frozenset(stem(w) for w in self._vocabulary)
        self._is_word = is_word or (lambda _word: False)
        by_initial: dict[str, list[str]] = {}
        for w in sorted(self._vocabulary):
            if len(w) >= 4 and w not in STOP_WORDS:
                by_initial.setdefault(w[0], []).append(w)
        self._by_initial = by_initial
        # Members' words repeat from question to question; a fuzzy search of the vocabulary
        # is a tenth of an answer's time, so each word's correction is kept (bounded).
        self._correct = lru_cache(maxsize=CORRECTIONS_KEPT)(self._closest_known)

    def concepts(self, question: str) -> list[Concept]:
        """The concepts of a question, typos corrected, synonyms attached, duplicates dropped."""
        tokens = [self._correct(w) for w in words(question) if w not in STOP_WORDS]
        tokens = [t for t in tokens if len(t) > 1 or t.isdigit()]
        stems = [stem(t) for t in tokens]
        concepts: list[Concept] = []
        seen: set[tuple[str, ...]] = set()
        i = 0
        while i < len(stems):
            pair = tuple(stems[i : i + 2])
            if len(pair) == 2 and pair in _SYNONYMS:
                key, word, i = pair, " ".join(tokens[i : i + 2]), i + 2
            else:
                key, word, i = (stems[i],), tokens[i], i + 1
            alternatives = _SYNONYMS.get(key, ((word, key),))
            if alternatives[0][1] not in seen:
                seen.add(alternatives[0][1])
                concepts.append(Concept(word, alternatives))
        return concepts

    def _closest_known(self, word: str) -> str:
        if word in self._vocabulary or len(word) < 5 or stem(word) in self._stems:
            return word
        candidates = self._by_initial.get(word[0])
        if not candidates or self._is_word(word):
            return word
        found = process.extractOne(
            word,
            candidates,
            scorer=DamerauLevenshtein.distance,
            score_cutoff=1 if len(word) < 8 else 2,
        )
        return found[0] if found else word


def idf(document_frequency: int, documents: int) -> float:
    """Inverse document frequency; a word in no section weighs the most."""
    return math.log((documents + 1) / (document_frequency + 0.5)) + 1.0
