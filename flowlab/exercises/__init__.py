"""Exercise checkers for the lessons in ``notebooks/``.

Each checker runs the student's job in flowlab on hidden inputs and returns a ``CheckResult`` that
says what is right, what is wrong and gives a hint (it renders as HTML in Jupyter).
"""
from flowlab.exercises.lesson01 import check_word_count
from flowlab.exercises.lesson02 import check_chaining
from flowlab.exercises.lesson03 import check_watermark_strategy
from flowlab.exercises.lesson04 import check_late_data
from flowlab.exercises.lesson05 import check_inactivity_alert
from flowlab.exercises.lesson06 import check_bottleneck_fix
from flowlab.exercises.lesson07 import check_deduplication
from flowlab.exercises.lesson08 import check_checkpoint_settings
from flowlab.exercises.lesson09 import check_exactly_once
from flowlab.exercises.lesson10 import check_upgrade
from flowlab.exercises.lesson11 import check_batch_prediction
from flowlab.exercises.result import CheckResult

__all__ = ["CheckResult", "check_batch_prediction", "check_bottleneck_fix", "check_chaining", "check_checkpoint_settings", "check_deduplication",
           "check_exactly_once", "check_inactivity_alert", "check_late_data", "check_upgrade",
           "check_watermark_strategy", "check_word_count"]
