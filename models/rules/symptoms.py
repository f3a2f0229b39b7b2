"""因病缺勤: the WS/T 772 symptom list, read from what parents and teachers write, and clusters.

`read_symptoms` finds the listed symptoms in free text ("发烧咳嗽" → 发热, 咳嗽); `named` reads a
teacher's explicit list ("发热、咳嗽"). A cluster is the same symptom in `same_day` students of one
class on one school day, or in `in_window` students within `window_days` school days.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

SYMPTOMS = ("发热", "咳嗽", "头痛", "咽痛", "腮腺肿大", "腹痛", "腹泻", "呕吐", "皮疹", "头晕",
            "乏力", "结膜充血", "其他")
OTHER = "其他"
# Everyday words for each symptom (a word found anywhere in the text counts).
_WORDS: dict[str, tuple[str, ...]] = {
    "发热": ("发热", "发烧", "高烧", "低烧", "高热", "低热", "体温高", "烧到", "退烧", "38度",
           "39度"),
    "咳嗽": ("咳嗽", "咳", "嗽"),
    "头痛": ("头痛", "头疼"),
    "咽痛": ("咽痛", "嗓子疼", "嗓子痛", "喉咙疼", "喉咙痛", "咽喉痛", "咽喉疼", "扁桃体"),
    "腮腺肿大": ("腮腺肿大", "腮腺炎", "腮帮子肿", "腮腺肿", "痄腮"),
    "腹痛": ("腹痛", "肚子疼", "肚子痛", "胃疼", "胃痛", "肚疼", "肚痛"),
    "腹泻": ("腹泻", "拉肚子", "拉稀", "跑肚"),
    "呕吐": ("呕吐", "吐了", "想吐", "恶心", "呕"),
    "皮疹": ("皮疹", "出疹", "疹子", "红疹", "起疹", "水痘", "荨麻疹", "手足口"),
    "头晕": ("头晕", "头昏", "眩晕"),
    "乏力": ("乏力", "没力气", "无力", "没精神", "疲倦"),
    "结膜充血": ("结膜充血", "红眼", "眼睛红", "结膜炎", "眼红"),
}


# Every word once, longest first, so "咳嗽" is read as one word and never as "咳" then "嗽".
_LEXICON = sorted(((w, s) for s, words in _WORDS.items() for w in words),
                  key=lambda pair: -len(pair[0]))
# A negation just before a symptom word: 不发烧, 没有咳嗽, 无腹泻, 未见皮疹, 没再吐了.
_NEGATED = re.compile(r"(?:不|没|无|未|否认)(?:有|再|见|出现)?(?:明显|任何)?$")
# What carries a negation on to the next symptom ("没有发烧和咳嗽", "无发热、腹泻", "无发热咳嗽").
_JOINED = re.compile(r"^(?:|、|和|或|或者|及|以及|与|跟)$")
# A clause ends a negation's reach ("不发烧，咳嗽" → 咳嗽).
_CLAUSE = re.compile(r"[，,。;；！!？?\n]|但是|但|只是|就是|可是|不过")


def _scan(text: str) -> tuple[set[str], set[str]]:
    """The symptoms a text names, and those it names only to deny."""
    said: set[str] = set()
    denied: set[str] = set()
    for clause in _CLAUSE.split(text):
        at, after, negated = 0, 0, False
        while at < len(clause):
            hit = next(((w, s) for w, s in _LEXICON if clause.startswith(w, at)), None)
            if hit is None:
                at += 1
                continue
            word, symptom = hit
            between = clause[after:at]
            negated = bool(_NEGATED.search(between)) or (negated and bool(_JOINED.match(between)))
            (denied if negated else said).add(symptom)
            at = after = at + len(word)
    return said, denied


def read_symptoms(text: str) -> tuple[str, ...]:
    """The listed symptoms a free text names, in the list's order ("" → none, "不发烧" → none)."""
    said, _ = _scan(text)
    return tuple(s for s in SYMPTOMS if s in said)


def mentions_any(text: str) -> bool:
    """Whether a text names a listed symptom at all, said or denied ("不发烧" does)."""
    said, denied = _scan(text)
    return bool(said or denied)


# The numbered list a question shows ("1发热 2咳嗽 … 13其他").
OPTIONS = " ".join(f"{i}{s}" for i, s in enumerate(SYMPTOMS, 1))
DONT_KNOW = ("不知道", "不清楚", "跳过", "无", "没有")


def read_answer(text: str) -> tuple[str, ...] | None:
    """An answer to "有哪些症状？": "1 2", "发烧 咳嗽" or "拉肚子，不发烧" → the symptoms;
    "不知道" / "跳过" → none; None when a part is neither a number of the list nor symptoms."""
    if text.strip() in DONT_KNOW:
        return ()
    found: set[str] = set()
    words = []
    for part in re.split(r"[\s、,，;；]+", text.strip()):
        if part.isdigit() and 1 <= int(part) <= len(SYMPTOMS):
            found.add(SYMPTOMS[int(part) - 1])
        elif part in SYMPTOMS or mentions_any(part):
            words.append(part)
        elif part:
            return None
    found.update(read_symptoms("，".join(words)))
    found.update(w for w in words if w in SYMPTOMS)
    return tuple(s for s in SYMPTOMS if s in found) or None


def named(text: str) -> tuple[str, ...]:
    """An explicit list ("发热、咳嗽", "发烧 咳嗽"): each item read as above, else 其他.

    An item that only denies a symptom ("不咳嗽") adds nothing.
    """
    found: set[str] = set()
    for item in re.split(r"[、,，;；/\s]+", text.strip()):
        said, denied = _scan(item)
        if item and not denied:
            found.update(said or {OTHER})
        found.update(said)
    return tuple(s for s in SYMPTOMS if s in found)


_WITH_SYMPTOMS = re.compile(r"^(?P<name>[^()（）]+)[(（](?P<list>[^()（）]*)[)）]$")


def name_and_symptoms(word: str) -> tuple[str, tuple[str, ...] | None]:
    """"张小明(发热、咳嗽)" → ("张小明", (发热, 咳嗽)); "张小明" → ("张小明", None)."""
    match = _WITH_SYMPTOMS.match(word)
    if match is None:
        return word, None
    return match.group("name"), named(match.group("list"))


@dataclass(frozen=True)
class Sick:
    """One illness absence as the cluster rule sees it."""

    student_id: int
    class_id: int
    day: date
    symptoms: tuple[str, ...]


@dataclass(frozen=True)
class Cluster:
    class_id: int
    symptom: str
    students: tuple[int, ...]
    first_day: date
    last_day: date


def clusters(sick: Iterable[Sick], school_days: Sequence[date], *, same_day: int = 3,
             in_window: int = 5) -> list[Cluster]:
    """Clusters among `sick` over `school_days` (the window, oldest first; its last day is today).

    Today's: `same_day` or more students of one class with one symptom today, or `in_window` or
    more over the whole window. 其他 is never a cluster (it says nothing alike).
    """
    if not school_days:
        return []
    window, today = set(school_days), school_days[-1]
    first: dict[tuple[int, str], dict[int, date]] = defaultdict(dict)
    sick_today: dict[tuple[int, str], set[int]] = defaultdict(set)
    for record in sick:
        if record.day not in window:
            continue
        for symptom in record.symptoms:
            if symptom == OTHER:
                continue
            key, days = (record.class_id, symptom), first[(record.class_id, symptom)]
            days[record.student_id] = min(days.get(record.student_id, record.day), record.day)
            if record.day == today:
                sick_today[key].add(record.student_id)
    found = []
    for key, days in sorted(first.items()):
        # Nothing new today: an older cluster was told on its own day.
        if not sick_today[key]:
            continue
        if len(sick_today[key]) >= same_day or len(days) >= in_window:
            found.append(Cluster(key[0], key[1], tuple(sorted(days)), min(days.values()),
                                 max(days.values())))
    return found
