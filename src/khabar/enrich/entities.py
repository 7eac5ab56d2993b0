"""Named entities: the people, places and organisations an article names.

A linear-chain conditional random field (CRFsuite, through python-crfsuite) labels each word of a
sentence with IOB tags: ``B-PERS`` begins a person's name, ``I-PERS`` continues it, ``O`` is outside
any name; the same for ``LOC`` (places), ``ORG`` (organisations) and ``MISC`` (other names). Each
word is described by table-driven features (:data:`FEATURE_WINDOW`): its folded form and stem, its
first and last letters, whether it carries the article ال, and whether it is one of the cue words that
announce a name (a title, a particle of a name, the head noun of an organisation or a place; the same
lists the tagger uses, :mod:`khabar.enrich.tags`), for the word and its neighbours.

khabar ships no trained model: the labelled Arabic corpora (ANERcorp and others) are for research use,
and a model learned from one carries its terms. A user trains one from labelled text in CoNLL form
(one ``word TAG`` a line, a blank line between sentences) with :func:`train_model` or ``khabar entities
train``, and points khabar at it (``--model`` or ``KHABAR_ENTITY_MODEL``). Beside the model file a
small JSON file records what it was trained on and the feature set; a model made with other features
is refused rather than read wrong (:data:`FEATURES_VERSION`).

Why a CRF and not a registry package: the Arabic recognizers on PyPI (CAMeL Tools, Stanza, spaCy's
multilingual model) download their models from a hub at run time, which these machines cannot do, and
a CRF over a few hundred thousand features labels a word in about 15 µs on one core.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from khabar import __version__
from khabar.errors import ConfigError, IngestError
from khabar.enrich.tags import ENTITY_HEADS, NAME_PARTICLES, PERSON_TITLES
from khabar.model import Entity
from khabar.parallel import worker_pool
from khabar.text.clusters import DEFAULT_CLUSTERS, learn_word_clusters
from khabar.text.normalize import fold_match, fold_token
from khabar.text.stem import stem
from khabar.text.stopwords import is_stopword
from khabar.text.tokenize import ARABIC_LETTERS, MARKS

if TYPE_CHECKING:
    from khabar.store import Store

# Each entity type, as the CoNLL tags of ANERcorp and most Arabic corpora name it: what it is, and what
# readers see for it (in the order pages list them).
KINDS = {
    "PERS": ("person", "أشخاص"),  # people
    "LOC": ("place", "أماكن"),  # places
    "ORG": ("organisation", "مؤسسات"),  # organisations
    "MISC": ("other", "أسماء أخرى"),  # other names: events, works, nationalities
}
# Tag spellings other corpora use for the same types.
KIND_ALIASES = {"PER": "PERS", "PERSON": "PERS", "LOCATION": "LOC", "GPE": "LOC", "ORGANIZATION": "ORG"}

FEATURES_VERSION = 1  # raise when token_features changes: models trained before are then refused
DEFAULT_MODEL = "khabar-entities.crf"
MODEL_ENV = "KHABAR_ENTITY_MODEL"
DEFAULT_ITERATIONS = 150
MAX_SENTENCE_TOKENS = 200  # a "sentence" without punctuation is cut here, so one label sequence stays short

# The article and what is glued before it: a word that carries it is seldom a person's name.
_ARTICLE_PREFIXES = ("ال", "وال", "بال", "لل", "فال", "كال", "وبال", "ولل")
_CUES = {
    "title": frozenset(map(fold_token, PERSON_TITLES.split())),
    "particle": frozenset(map(fold_token, NAME_PARTICLES.split())),
    "head": frozenset(map(fold_token, ENTITY_HEADS.split())),
}
# Which features describe the neighbours at each offset: the next words by form, cue and article, the
# words two away by cue only. Chosen on ANERcorp's ite5th dev split: whole-name F1 0.788, against 0.782
# with the forms and stems of both neighbours on each side and 0.774 with no neighbour (docs/benchmarks.md).
FEATURE_WINDOW = {
    -2: ("cue",),
    -1: ("word", "cue", "article", "cluster"),
    1: ("word", "cue", "article", "cluster"),
    2: ("cue",),
}

# A word (letters with their marks), a number, or one punctuation mark: CoNLL corpora split punctuation
# off, and it tells where names end.
_TOKEN = re.compile(
    rf"\d+(?:[.,]\d+)*|[{ARABIC_LETTERS}][{ARABIC_LETTERS}{MARKS}]*|[^\W\d_\u0600-\u06ff]+|[^\s\w]",
)
_SENTENCE_END = frozenset(".!?؟")
_DIRECTION_MARKS = "\u200e\u200f"  # left-to-right and right-to-left marks, which some corpora leave around a tag

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mention:
    """One name in a text: its words as written, its type, and where it stands (character offsets)."""

    text: str
    kind: str
    start: int
    end: int


@dataclass
class Scores:
    """Precision, recall and F1 of whole names (type and both ends right), per type and over all."""

    counts: dict[str, list[int]] = field(default_factory=dict)  # kind → [true positives, false positives, false negatives]

    def add(self, gold: set[tuple[int, int, str]], found: set[tuple[int, int, str]]) -> None:
        """Count one sentence's names: those found and right, found and wrong, and missed."""
        for kind in {k for _, _, k in gold | found}:
            counts = self.counts.setdefault(kind, [0, 0, 0])
            gold_kind = {s for s in gold if s[2] == kind}
            found_kind = {s for s in found if s[2] == kind}
            counts[0] += len(gold_kind & found_kind)
            counts[1] += len(found_kind - gold_kind)
            counts[2] += len(gold_kind - found_kind)

    def of(self, kind: str | None = None) -> tuple[float, float, float]:
        """(precision, recall, F1) of one type, or of all names together (micro-averaged) when ``kind`` is None."""
        rows = [self.counts.get(kind, [0, 0, 0])] if kind else list(self.counts.values())
        right, wrong, missed = (sum(r[i] for r in rows) for i in range(3))
        precision = right / (right + wrong) if right + wrong else 0.0
        recall = right / (right + missed) if right + missed else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    def as_dict(self) -> dict:
        """Every type's figures and the overall ones (``all``), rounded for reports."""
        result = {}
        for kind in [*sorted(self.counts), None]:
            precision, recall, f1 = self.of(kind)
            rows = [self.counts[kind]] if kind else list(self.counts.values())
            result[kind or "all"] = {
                "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                "gold": sum(r[0] + r[2] for r in rows), "found": sum(r[0] + r[1] for r in rows),
            }
        return result


# ---------------------------------------------------------------------------
# Labelled text


def _kind_of(tag: str) -> str:
    """The canonical type of a tag's type part (PER → PERS)."""
    return KIND_ALIASES.get(tag, tag)


def _is_tag(tag: str) -> bool:
    """Whether ``tag`` is an IOB tag: O, or B- or I- and a type."""
    return tag == "O" or (tag[:2] in ("B-", "I-") and len(tag) > 2)


def read_conll(path: Path, problems: list[str] | None = None) -> list[list[tuple[str, str]]]:
    """The sentences of a CoNLL file: ``word TAG`` a line (the word first, the tag last, separated by
    spaces or tabs), a blank line between sentences.

    ``-DOCSTART-`` lines are skipped. Tags are IOB (``B-PERS``, ``I-LOC``, ``O``); IOB1 files, where a
    name may begin with ``I-``, are read the same. A sentence with a line of another form (a lost tag,
    a word without one) is left out whole, since a word dropped from it would give its neighbours
    wrong context; why is logged and appended to ``problems``. Raises :class:`IngestError` when the
    file cannot be read or holds no usable sentence.
    """
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    broken = False
    try:
        handle = Path(path).open(encoding="utf-8")
    except OSError as exc:
        raise IngestError(f"cannot read labelled text {path}: {exc.strerror or exc}") from exc
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                line = line.strip()
                if not line:
                    if current and not broken:
                        sentences.append(current)
                    current, broken = [], False
                    continue
                if line.startswith("-DOCSTART-"):
                    continue
                columns = line.split()  # the word first, the tag last: other columns (POS, chunk) between are not read
                word, tag = columns[0].strip(_DIRECTION_MARKS), columns[-1].strip(_DIRECTION_MARKS)
                if len(columns) > 1 and not word and _is_tag(tag):
                    continue  # a "word" that is only a direction mark: no word at all
                if len(columns) < 2 or not word or not _is_tag(tag):
                    if not broken:
                        problem = f"{path}, line {number}: expected 'word TAG' with an IOB tag (B-PERS, I-LOC, O), got {line[:80]!r}; its sentence is left out"
                        log.warning(problem)
                        if problems is not None:
                            problems.append(problem)
                    broken = True
                    continue
                current.append((word, tag if tag == "O" else tag[:2] + _kind_of(tag[2:])))
        except UnicodeDecodeError as exc:
            raise IngestError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start}); convert it first") from exc
    if current and not broken:
        sentences.append(current)
    if not sentences:
        raise IngestError(f"{path} holds no usable labelled sentence ('word TAG' lines, a blank line between sentences)")
    return sentences


def spans_of(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """The names in a sequence of IOB tags, as (first word, word after the last, type)."""
    spans: set[tuple[int, int, str]] = set()
    start, kind = None, None
    for i, tag in enumerate([*tags, "O"]):
        continues = tag.startswith("I-") and tag[2:] == kind
        if not continues:
            if start is not None:
                spans.add((start, i, kind))
            start, kind = (i, tag[2:]) if tag != "O" else (None, None)
    return spans


# ---------------------------------------------------------------------------
# Features


def _word_facts(token: str, clusters: Mapping[str, int] | None) -> dict[str, str]:
    """What the features say of one word: folded form, stem, cue type, whether it carries the article,
    and its word cluster ("none" for a word the clusters do not hold; "" when the model has none)."""
    folded = fold_token(token)
    cue = next((name for name, words in _CUES.items() if folded in words), "")
    cluster = "" if clusters is None else str(clusters.get(folded, "none"))
    return {
        "word": folded,
        "stem": stem(folded) if folded else "",
        "cue": cue,
        "article": "1" if folded.startswith(_ARTICLE_PREFIXES) else "0",
        "cluster": cluster,
    }


def token_features(tokens: Sequence[str], clusters: Mapping[str, int] | None = None) -> list[list[str]]:
    """The CRF's features of each word of one sentence (strings, each a feature present); ``clusters``
    (word → cluster, :mod:`khabar.text.clusters`) adds the clusters of the word and its neighbours."""
    facts = [_word_facts(t, clusters) for t in tokens]
    features: list[list[str]] = []
    for i, token in enumerate(tokens):
        own = facts[i]
        word = own["word"]
        row = [
            "bias", "w=" + word, "s=" + own["stem"], "p2=" + word[:2], "p3=" + word[:3], "x2=" + word[-2:],
            "x3=" + word[-3:], "al=" + own["article"], f"len={min(len(word), 8)}",
            f"digit={int(any(c.isdigit() for c in token))}", f"alpha={int(token.isalpha())}",
            f"stop={int(is_stopword(token))}",
        ]
        if own["cue"]:
            row.append("cue=" + own["cue"])
        if own["cluster"]:
            row.append("c=" + own["cluster"])
        for offset, kinds in FEATURE_WINDOW.items():
            j = i + offset
            if not 0 <= j < len(tokens):
                row.append(f"{offset}:edge")
                continue
            row.extend(f"{offset}:{kind}={facts[j][kind]}" for kind in kinds if facts[j][kind])
        if i:
            row.append(f"bigram={facts[i - 1]['word']}|{word}")
        features.append(row)
    return features


def words_of(text: str) -> list[str]:
    """A text's words and marks as the features see them (folded), for learning word clusters."""
    return [fold_token(match.group()) for match in _TOKEN.finditer(text)]


# ---------------------------------------------------------------------------
# Training and loading


def _sidecar(model_path: Path) -> Path:
    """The JSON file beside a model that says how it was made."""
    return model_path.with_name(model_path.name + ".json")


def _clusters_file(model_path: Path) -> Path:
    """The JSON file beside a model that holds its word clusters (word → cluster), when it uses them."""
    return model_path.with_name(model_path.name + ".clusters.json")


def learn_store_clusters(store: "Store", clusters: int = DEFAULT_CLUSTERS) -> dict[str, int]:
    """Word clusters learned from the stored articles' titles and texts (:mod:`khabar.text.clusters`)."""
    return learn_word_clusters(lambda: (words_of(a.title + "\n" + a.text) for a in store.iter_articles()), clusters)


def _crfsuite():  # noqa: ANN202 - the module
    """python-crfsuite, or a clear error when it is missing."""
    try:
        import pycrfsuite
    except ImportError as exc:  # pragma: no cover - a dependency of khabar
        raise ConfigError("entity recognition needs python-crfsuite: pip install python-crfsuite") from exc
    return pycrfsuite


def train_model(
    conll_paths: Iterable[Path],
    model_path: Path,
    iterations: int = DEFAULT_ITERATIONS,
    clusters: Mapping[str, int] | None = None,
) -> dict:
    """Train a recognizer on labelled CoNLL files, write it to ``model_path``; return what the sidecar says,
    with ``problems``: why each sentence left out was (:func:`read_conll`).

    L-BFGS with light L1 and L2 penalties (0.05 each), ``iterations`` passes at most. With ``clusters``
    (:func:`learn_store_clusters`, or :func:`khabar.text.clusters.learn_word_clusters` over any
    unlabelled text), the words' clusters are features too, and they are written beside the model.
    """
    paths = [Path(p) for p in conll_paths]
    if not paths:
        raise ConfigError("give at least one labelled CoNLL file to train on (--conll FILE)")
    trainer = _crfsuite().Trainer(verbose=False)
    sentences = tokens = 0
    labels: Counter[str] = Counter()
    problems: list[str] = []
    for path in paths:
        for sentence in read_conll(path, problems):
            words = [w for w, _ in sentence]
            tags = [t for _, t in sentence]
            trainer.append(token_features(words, clusters), tags)
            sentences += 1
            tokens += len(words)
            labels.update(t[2:] for t in tags if t != "O" and t.startswith("B-"))
    trainer.set_params({"c1": 0.05, "c2": 0.05, "max_iterations": iterations, "feature.possible_transitions": True})
    model_path = Path(model_path)
    model_path.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(model_path))
    about = {
        "features": FEATURES_VERSION,
        "khabar": __version__,
        "trained_on": [p.name for p in paths],
        "sentences": sentences,
        "tokens": tokens,
        "names": dict(sorted(labels.items())),
        "iterations": iterations,
        "sentences_left_out": len(problems),
        "clustered_words": len(clusters or {}),
    }
    if clusters:
        _clusters_file(model_path).write_text(json.dumps(dict(clusters), ensure_ascii=False), encoding="utf-8")
    _sidecar(model_path).write_text(json.dumps(about, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return {**about, "problems": problems}


def model_path_from(path: str | Path | None) -> Path:
    """The model file: the one given, else ``KHABAR_ENTITY_MODEL``, else ./khabar-entities.crf."""
    return Path(path or os.environ.get(MODEL_ENV) or DEFAULT_MODEL)


def optional_recognizer(model_path: str | Path | None) -> "EntityRecognizer | None":
    """The recognizer of the model given (or named by ``KHABAR_ENTITY_MODEL``), else of
    ./khabar-entities.crf when that file exists, else None: the commands that gather articles find
    their names only when there is a model to do it."""
    if model_path is None and not os.environ.get(MODEL_ENV) and not Path(DEFAULT_MODEL).is_file():
        return None
    return EntityRecognizer(model_path)


class EntityRecognizer:
    """A trained model, loaded once, that finds the names in texts."""

    def __init__(self, model_path: str | Path | None = None) -> None:
        path = model_path_from(model_path)
        advice = f"train one with `khabar entities train --conll FILE --model {path}` (docs/entities.md)"
        if not path.is_file():
            raise ConfigError(f"no entity model at {path}: {advice}")
        try:
            about = json.loads(_sidecar(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"the entity model {path} has no readable {_sidecar(path).name} beside it; {advice}") from exc
        if about.get("features") != FEATURES_VERSION:
            raise ConfigError(
                f"the entity model {path} was trained with features of version {about.get('features')}, this khabar "
                f"reads version {FEATURES_VERSION}; {advice}"
            )
        self.path = path
        self.about = about
        self.clusters: dict[str, int] | None = None
        digest = hashlib.sha256(path.read_bytes())
        if about.get("clustered_words"):
            try:
                text = _clusters_file(path).read_text(encoding="utf-8")
                self.clusters = json.loads(text)
            except (OSError, ValueError) as exc:
                raise ConfigError(f"the entity model {path} uses word clusters, and {_clusters_file(path).name} beside it "
                                  f"cannot be read ({exc}); {advice}") from exc  # fmt: skip
            digest.update(text.encode("utf-8"))
        self.stamp = digest.hexdigest()[:16]  # which model read an article (the store keeps it)
        self._tagger = _crfsuite().Tagger()
        try:
            self._tagger.open(str(path))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path} is not a CRFsuite model ({exc}); {advice}") from exc

    def label(self, tokens: Sequence[str]) -> list[str]:
        """The IOB tag of each word of one sentence."""
        return list(self._tagger.tag(token_features(tokens, self.clusters))) if tokens else []

    def mentions(self, text: str) -> list[Mention]:
        """Every name in ``text``, in order, spelled as written there."""
        found: list[Mention] = []
        for sentence in _sentences(text):
            tags = self.label([t for t, _, _ in sentence])
            for first, after, kind in sorted(spans_of(tags)):
                start, end = sentence[first][1], sentence[after - 1][2]
                found.append(Mention(text[start:end], kind, start, end))
        return found

    def entities(self, title: str, text: str) -> list[Entity]:
        """An article's names, each once: most mentioned first, then in order of first mention."""
        return group_mentions(self.mentions(title) + self.mentions(text))

    def evaluate(self, conll_path: Path) -> Scores:
        """Whole-name precision, recall and F1 on a labelled file the model was not trained on."""
        scores = Scores()
        for sentence in read_conll(conll_path):
            scores.add(spans_of([t for _, t in sentence]), spans_of(self.label([w for w, _ in sentence])))
        return scores


def _sentences(text: str) -> Iterator[list[tuple[str, int, int]]]:
    """The text's words with their character offsets, a sentence at a time: cut after . ! ? ؟ and at line breaks."""
    sentence: list[tuple[str, int, int]] = []
    previous_end = 0
    for match in _TOKEN.finditer(text):
        if sentence and ("\n" in text[previous_end : match.start()] or len(sentence) >= MAX_SENTENCE_TOKENS):
            yield sentence
            sentence = []
        sentence.append((match.group(), match.start(), match.end()))
        previous_end = match.end()
        if match.group() in _SENTENCE_END:
            yield sentence
            sentence = []
    if sentence:
        yield sentence


# What may be glued before a name, and what of it the name keeps: a conjunction or preposition before
# the article (بالرياض، والسعودية, and للسعودية where ل merges with ال), or one letter before a bare word:
# و ف (and, so), ب (in, by), ل (for), ك (as).
_GLUED = (("وبال", "ال"), ("فبال", "ال"), ("ولل", "ال"), ("فلل", "ال"), ("بال", "ال"), ("كال", "ال"),
          ("وال", "ال"), ("فال", "ال"), ("لل", "ال"), ("و", ""), ("ف", ""), ("ب", ""), ("ل", ""), ("ك", ""))  # fmt: skip
_MIN_NAME_LETTERS = 3  # letters that must stay after what is taken off


def _without_glued(name: str, known: set[str]) -> str:
    """A name without the conjunction or preposition glued to its first word, when the article also names
    it without (بالرياض beside الرياض, لمصر beside مصر, وفرنسا beside فرنسا).

    Only then: names begin with the same letters (وليد، فرنسا، بغداد، لندن، كركوك), and some foreign
    ones with what looks like a glued article (كاليفورنيا، فالنسيا، والتر).
    """
    first, space, rest = name.partition(" ")
    for glued, kept in _GLUED:
        if first.startswith(glued) and len(first) - len(glued) >= _MIN_NAME_LETTERS:
            bare = kept + first[len(glued) :] + space + rest
            if fold_match(bare) in known:
                return bare
    return name


def group_mentions(mentions: Iterable[Mention]) -> list[Entity]:
    """Mentions of one name as one entity, its spelling and type those written most.

    One name is one match key (:func:`fold_match`: الأمم المتحدة and الامم المتحده), after a glued
    conjunction or preposition is dropped (:func:`_without_glued`).
    """
    mentions = list(mentions)
    known = {fold_match(m.text) for m in mentions}
    spellings: dict[str, Counter[str]] = {}
    kinds: dict[str, Counter[str]] = {}
    order: dict[str, int] = {}
    for mention in mentions:
        name = _without_glued(mention.text, known)
        key = fold_match(name)
        if not key:
            continue
        spellings.setdefault(key, Counter())[name] += 1
        kinds.setdefault(key, Counter())[mention.kind] += 1
        order.setdefault(key, len(order))
    entities = [
        Entity(name=spellings[key].most_common(1)[0][0], kind=kinds[key].most_common(1)[0][0],
               mentions=sum(spellings[key].values()), key=key)
        for key in order
    ]
    entities.sort(key=lambda e: (-e.mentions, order[e.key]))
    return entities


# ---------------------------------------------------------------------------
# The store's articles


@dataclass
class EntityReport:
    """What :func:`read_store_entities` did: articles read, and names found in them."""

    read: int = 0
    names: int = 0

    def to_dict(self) -> dict:
        """The report as JSON-ready data."""
        return {"read": self.read, "names": self.names}


READ_CHUNK = 100  # articles a task: about half a second of a worker's time
_LOADED: dict[str, EntityRecognizer] = {}  # a worker process's recognizers, loaded once each


def _recognize_chunk(task: tuple[str, list[tuple[str, str, str]]]) -> dict[str, list[Entity]]:
    """In a worker: the names of each article of a chunk (id, title, text), by the model at the path given."""
    path, articles = task
    recognizer = _LOADED.get(path) or _LOADED.setdefault(path, EntityRecognizer(path))
    return {article_id: recognizer.entities(title, text) for article_id, title, text in articles}


def read_store_entities(
    store: "Store", recognizer: EntityRecognizer, workers: int = 1, on_chunk: Callable[[EntityReport], None] | None = None
) -> EntityReport:
    """Find the names of every stored article that this model has not read in its present text, and store them.

    Incremental and resumable: each chunk of articles is stored in one transaction with a record that
    the model read it, so a run stopped midway goes on where it stopped, and a second run reads only
    what is new, what changed, or everything after the model changed. ``workers`` processes share the
    reading; the calling process stores.
    """
    report = EntityReport()

    def chunks() -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
        after = ""
        while ids := store.ids_to_read_for_entities(recognizer.stamp, after, READ_CHUNK):
            after = ids[-1]
            articles = store.articles_by_ids(ids)
            yield str(recognizer.path), [(i, articles[i].title, articles[i].text) for i in ids if i in articles]

    with worker_pool(workers) as pool:
        for found in pool.map(_recognize_chunk, chunks(), ahead=4 * pool.slots):
            store.set_entities(found, recognizer.stamp)
            report.read += len(found)
            report.names += sum(map(len, found.values()))
            if on_chunk is not None:
                on_chunk(report)
    return report
