"The installed `dalle_nb` console script, run as a user runs it."
import shutil, subprocess, sys
from pathlib import Path
import numpy as np
from PIL import Image
from dalle_nb.data import COLORS, ShapesDataset, canonical_caption
from dalle_nb.metrics import judge_shape

EXE = shutil.which('dalle_nb') or str(Path(sys.executable).parent/'dalle_nb')

def run(*args):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=300)

def test_help_lists_commands():
    r = run('--help')
    assert r.returncode == 0 and 'quickstart' in r.stdout and 'data' in r.stdout

def test_data_shapes_matches_generator(tmp_path):
    r = run('data', 'shapes', '--out', str(tmp_path), '--n', '40', '--seed', '9', '--objects', '1')
    assert r.returncode == 0, r.stderr
    ds = ShapesDataset(40, seed=9, objects=1)
    for i in range(40):
        png = tmp_path/f'{i:06d}.png'
        assert np.array_equal(np.asarray(Image.open(png)), np.asarray(ds.image(i)))
        (obj,) = ds.scene(i)
        assert (tmp_path/f'{i:06d}.txt').read_text().strip() == canonical_caption(obj)
        assert judge_shape(Image.open(png)) == {k: obj[k] for k in ('size', 'color', 'shape', 'position')}
        colours = {tuple(p) for p in np.asarray(Image.open(png)).reshape(-1, 3)}
        assert colours == {(255, 255, 255), COLORS[obj['color']]}

def test_bad_arguments_are_one_line_errors(tmp_path):
    r = run('data', 'shapes', '--out', str(tmp_path), '--split', 'nope')
    assert r.returncode == 2 and 'invalid choice' in r.stderr
    r = run('quickstart', '--out', str(tmp_path/'run'), '--data', str(tmp_path/'missing'))
    assert r.returncode == 2 and 'no dataset at' in r.stderr and 'Traceback' not in r.stderr
