"""因病缺勤 as plain rules (models/rules/symptoms.py): symptoms read from words, clusters."""

from __future__ import annotations

from datetime import date

import pytest

from models.rules.symptoms import Sick, clusters, name_and_symptoms, named, read_symptoms


@pytest.mark.parametrize(("text", "found"), [
    ("发烧咳嗽", ("发热", "咳嗽")),
    ("孩子昨晚高烧39度，今天拉肚子", ("发热", "腹泻")),
    ("嗓子疼，头疼", ("头痛", "咽痛")),
    ("出水痘了", ("皮疹",)),
    ("腮腺炎", ("腮腺肿大",)),
    ("红眼病", ("结膜充血",)),
    ("肚子疼想吐", ("腹痛", "呕吐")),
    ("家里有事", ()),
    ("", ()),
])
def test_symptoms_in_free_text(text: str, found: tuple[str, ...]) -> None:
    assert read_symptoms(text) == found


@pytest.mark.parametrize(("text", "found"), [
    ("不发烧", ()),
    ("没有咳嗽", ()),
    ("无腹泻", ()),
    ("没发烧", ()),
    ("未见皮疹", ()),
    ("没再吐了", ()),
    ("无明显腹痛", ()),
    ("发烧，不咳嗽", ("发热",)),
    ("不发烧，咳嗽", ("咳嗽",)),
    ("不发烧但是咳嗽", ("咳嗽",)),
    ("没有发烧，就是嗓子疼", ("咽痛",)),
    ("没有发烧和咳嗽", ()),
    ("无发热、咳嗽等症状", ()),
    ("无发热咳嗽，肚子疼", ("腹痛",)),
    ("不发烧也不咳嗽了，还有点头晕", ("头晕",)),
    ("不咳了，拉肚子", ("腹泻",)),
    ("体温正常不烧了，浑身无力", ("乏力",)),
    ("没精神，不发烧", ("乏力",)),
    ("发烧38度，没有呕吐也没有拉肚子", ("发热",)),
    ("咳嗽，不发烧；昨天吐了", ("咳嗽", "呕吐")),
])
def test_a_denied_symptom_is_not_counted(text: str, found: tuple[str, ...]) -> None:
    assert read_symptoms(text) == found


def test_an_explicit_list_skips_a_denied_item() -> None:
    assert named("发烧，不咳嗽") == ("发热",)
    assert named("不发烧 过敏") == ("其他",)
    assert named("没有腹泻") == ()
    assert name_and_symptoms("张小明(发热、无咳嗽)") == ("张小明", ("发热",))


def test_an_explicit_list_keeps_what_it_cannot_read_as_other() -> None:
    assert named("发热、咳嗽") == ("发热", "咳嗽")
    assert named("发烧 过敏") == ("发热", "其他")
    assert named("") == ()


@pytest.mark.parametrize(("word", "parsed"), [
    ("张小明(发热、咳嗽)", ("张小明", ("发热", "咳嗽"))),
    ("张小明（发烧）", ("张小明", ("发热",))),
    ("张小明()", ("张小明", ())),
    ("张小明", ("张小明", None)),
    ("上午", ("上午", None)),
])
def test_a_name_with_its_symptoms(word: str, parsed: tuple[str, object]) -> None:
    assert name_and_symptoms(word) == parsed


MON, TUE, WED = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)


def test_three_of_a_class_on_one_day_is_a_cluster() -> None:
    sick = [Sick(i, 1, WED, ("发热",)) for i in (1, 2, 3)] + [Sick(4, 2, WED, ("发热",))]
    [cluster] = clusters(sick, [MON, TUE, WED])
    assert (cluster.class_id, cluster.symptom, cluster.students) == (1, "发热", (1, 2, 3))


def test_two_on_one_day_is_not_and_other_is_never() -> None:
    assert clusters([Sick(i, 1, WED, ("发热",)) for i in (1, 2)], [MON, TUE, WED]) == []
    assert clusters([Sick(i, 1, WED, ("其他",)) for i in range(9)], [MON, TUE, WED]) == []


def test_five_within_the_window_is_a_cluster_on_the_day_of_the_fifth() -> None:
    sick = [Sick(1, 1, MON, ("腹泻",)), Sick(2, 1, MON, ("腹泻",)), Sick(3, 1, TUE, ("腹泻",)),
            Sick(4, 1, TUE, ("腹泻",))]
    assert clusters(sick, [MON, TUE, WED]) == []
    [cluster] = clusters([*sick, Sick(5, 1, WED, ("腹泻", "呕吐"))], [MON, TUE, WED])
    assert (cluster.symptom, cluster.students, cluster.first_day) == ("腹泻", (1, 2, 3, 4, 5), MON)


def test_nothing_new_today_is_no_new_cluster() -> None:
    sick = [Sick(i, 1, TUE, ("咳嗽",)) for i in (1, 2, 3)]
    assert clusters(sick, [MON, TUE, WED]) == []
    assert clusters(sick, [MON, TUE]) != []
