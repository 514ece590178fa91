"""Exercise checkers for the lessons in ``notebooks/``.

Each checker runs the student's job in flowlab on hidden inputs and returns a ``CheckResult`` that
says what is right, what is wrong and gives a hint (it renders as HTML in Jupyter).
"""
from flowlab.exercises.lesson01 import check_word_count
from flowlab.exercises.lesson02 import check_chaining
from flowlab.exercises.result import CheckResult

__all__ = ["CheckResult", "check_chaining", "check_word_count"]
