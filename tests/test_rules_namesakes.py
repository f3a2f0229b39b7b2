"""Students of the same name told apart by their 学籍号's tail (models/rules/namesakes.py)."""

from __future__ import annotations

from models.rules.namesakes import pick, question, tails

NUMBERS = ["G2026070012", "G2026070031"]


def test_the_question_shows_four_digits_or_as_many_as_tell_them_apart() -> None:
    assert question("王磊", NUMBERS) == "王磊(…0012) 还是 王磊(…0031)？"
    assert tails(["G2025010012", "G2026010012"]) == ["5010012", "6010012"]


def test_an_answer_is_read_by_its_tail_or_the_options_place() -> None:
    assert pick("0012", NUMBERS) == 0
    assert pick("…0031", NUMBERS) == 1
    assert pick("王磊(…0031)", NUMBERS) == 1
    assert pick("2", NUMBERS) == 1
    assert pick("0099", NUMBERS) is None
    assert pick("王磊", NUMBERS) is None
    assert pick("3", NUMBERS) is None
