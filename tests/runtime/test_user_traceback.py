"""A failing user function shows the user's own frames, wherever the user's files live."""
from __future__ import annotations

import importlib.util

import pytest

from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime import JobExecutionException

USER_MODULE = '''
def parse(line):
    return int(line)
'''


def _load_user_module(folder):
    """A user's module in ``folder``, imported from its file as a notebook's helper module would be."""
    folder.mkdir(parents=True)
    path = folder / "userjob.py"
    path.write_text(USER_MODULE)
    spec = importlib.util.spec_from_file_location("userjob", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_user_frames_in_a_folder_named_flowlab_are_kept(tmp_path):
    """A module under .../flowlab/ (e.g. a clone of this project) is the user's: its frame is shown."""
    module = _load_user_module(tmp_path / "flowlab" / "notebooks")
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection(["x"]).map(module.parse).print()
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    text = str(err.value)
    assert f'File "{tmp_path / "flowlab" / "notebooks" / "userjob.py"}", line 3, in parse' in text
    assert "return int(line)" in text
    assert "ValueError: invalid literal for int() with base 10: 'x'" in text


def test_flowlabs_own_frames_are_left_out(tmp_path):
    """The frames of flowlab's package do not appear in the user's traceback."""
    module = _load_user_module(tmp_path / "elsewhere")
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection(["x"]).map(module.parse).print()
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    user_part = str(err.value).split("\n\n", 1)[1]
    assert "flowlab/runtime" not in user_part
    assert user_part.startswith("Traceback (most recent call last):\n  File ")
