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

def test_training_options_are_the_configs_fields():
    "Each training command has one option per field of its config, with the dataclass's default: no default is written twice."
    import dataclasses
    from dalle_nb.cli import parser, config_from_args
    from dalle_nb.train_dvae import DVAETrainConfig
    from dalle_nb.train_prior import PriorTrainConfig
    from dalle_nb.rerank import RerankTrainConfig
    from dalle_nb.pipeline import PipelineConfig
    for argv, cls in ((['train-dvae', '--out', 'r'], DVAETrainConfig), (['train-prior', 'r'], PriorTrainConfig),
                      (['train-rerank', 'r'], RerankTrainConfig), (['quickstart'], PipelineConfig)):
        assert config_from_args(parser().parse_args(argv), cls) == cls(), argv
    r = run('train-prior', '--help')
    for f in dataclasses.fields(PriorTrainConfig):
        assert f'--{f.name.replace("_", "-")}' in r.stdout, f.name
    assert ' '.join(r.stdout.split()).count('(default ') >= len(dataclasses.fields(PriorTrainConfig)) # help wraps lines
    args = parser().parse_args(['quickstart', '--minutes', '5', '--prior-batch-size', '8', '--dvae-beta', '1'])
    cfg = config_from_args(args, PipelineConfig)
    assert (cfg.minutes, cfg.prior.batch_size, cfg.dvae.beta) == (5., 8, 1.)
    # a field that may be None takes `none`; a bool reads yes/no, and `--flag False` is False
    assert config_from_args(parser().parse_args(['train-prior', 'r', '--patience', 'none']), PriorTrainConfig).patience is None
    assert config_from_args(parser().parse_args(['train-prior', 'r', '--patience', '3']), PriorTrainConfig).patience == 3
    from dalle_nb.cli import _arg_type
    assert [_arg_type(bool)(s) for s in ('False', 'no', '0', 'true', 'Yes', '1')] == [False] * 3 + [True] * 3
    r = run('train-prior', 'r', '--batch-size', 'x'); assert r.returncode == 2 and "invalid int value: 'x'" in r.stderr
