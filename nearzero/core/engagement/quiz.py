"""Quizzes and surveys: a plain-text question bank, and scoring.

A question bank is written the way a community worker would type it on a phone::

    ? 废电池属于哪一类垃圾？
    - 可回收物
    * 有害垃圾
    - 其他垃圾

    ?? 以下哪些是低碳出行方式？（多选）
    * 步行
    * 公交
    - 独自驾驶燃油车

``?`` starts a single-choice question, ``??`` a multiple-choice one; ``*`` marks a correct
option and ``-`` any other option. Surveys have no correct options. Blank lines separate
nothing in particular; ``#`` starts a comment line.

Scoring: a question scores 1 when the set of chosen options equals the set of correct
options (all-or-nothing for multiple choice, the usual rule of knowledge tests), else 0.
The score is the percentage of questions answered correctly; a quiz is passed when the
score reaches the pass mark.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nearzero.core.errors import DomainError

SINGLE = "single"
MULTIPLE = "multiple"


@dataclass(frozen=True)
class OptionSpec:
    text: str
    correct: bool


@dataclass(frozen=True)
class QuestionSpec:
    text: str
    kind: str  # SINGLE or MULTIPLE
    options: tuple[OptionSpec, ...]
    line: int  # 1-based line of the question in the source text


def _error(line: int, reason: str) -> DomainError:
    return DomainError("bad_question_bank", f"line {line}: {reason}", field="questions")


def parse_questions(text: str, *, graded: bool) -> list[QuestionSpec]:
    """Parse a question bank. ``graded`` (a quiz, not a survey) requires correct options:
    exactly one for single choice, at least one for multiple choice."""
    questions: list[QuestionSpec] = []
    current: tuple[str, str, int] | None = None
    options: list[OptionSpec] = []

    def close() -> None:
        if current is None:
            return
        question_text, kind, line = current
        if len(options) < 2:
            raise _error(line, "a question needs at least two options")
        correct = sum(o.correct for o in options)
        if graded and kind == SINGLE and correct != 1:
            raise _error(line, "a single-choice question needs exactly one correct option (*)")
        if graded and kind == MULTIPLE and correct < 1:
            raise _error(line, "a multiple-choice question needs at least one correct option (*)")
        if not graded and correct:
            raise _error(line, "survey questions have no correct options; use - for every option")
        texts = [o.text for o in options]
        if len(set(texts)) != len(texts):
            raise _error(line, "two options of this question have the same text")
        questions.append(QuestionSpec(question_text, kind, tuple(options), line))

    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("?"):
            close()
            kind = MULTIPLE if line.startswith("??") else SINGLE
            body = line.lstrip("?").strip()
            if not body:
                raise _error(number, "the question has no text")
            current, options = (body, kind, number), []
        elif line[0] in "*-":
            if current is None:
                raise _error(number, "an option before any question (start questions with ?)")
            body = line[1:].strip()
            if not body:
                raise _error(number, "the option has no text")
            options.append(OptionSpec(body, line[0] == "*"))
        else:
            raise _error(number, "start the line with ? (question), * (correct) or - (option)")
    close()
    if not questions:
        raise DomainError("bad_question_bank", "no questions", field="questions")
    return questions


@dataclass(frozen=True)
class Score:
    correct: int
    total: int

    @property
    def pct(self) -> float:
        """Share of questions answered correctly [%]."""
        return 100.0 * self.correct / self.total if self.total else 0.0


def score(
    correct_options: Mapping[int, Iterable[int]], chosen: Mapping[int, Iterable[int]]
) -> Score:
    """Score answers. Both maps go from a question id to option ids; a question missing from
    ``chosen`` counts as wrong."""
    right = sum(
        1 for q, options in correct_options.items() if set(chosen.get(q, ())) == set(options)
    )
    return Score(right, len(correct_options))


def passed(result: Score, pass_mark_pct: float) -> bool:
    return result.total > 0 and result.pct + 1e-9 >= pass_mark_pct


def knowledge_rate_pct(latest_passed: Iterable[bool]) -> float | None:
    """Low-carbon knowledge rate [%]: the share of distinct residents whose latest quiz
    attempt passed. ``latest_passed`` holds one flag per resident; ``None`` if empty."""
    flags = list(latest_passed)
    if not flags:
        return None
    return 100.0 * sum(flags) / len(flags)
