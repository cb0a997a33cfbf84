"Every stage on two real processes (`accelerate launch`, DDP over gloo) equals one process at the same global batch: the token cache byte for byte, and each trained model's losses, gradient norms and weights within float tolerance."
import json, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd
import torch
from safetensors.torch import load_file
from dalle_nb.core import seed_everything
from dalle_nb.data import ShapesDataset
from dalle_nb.dvae import DVAE, DVAEConfig
from dalle_nb.pipeline import PipelineConfig
from dalle_nb.tokenizer import TextTokenizer
from dalle_nb.train_prior import PriorTrainConfig

TOL = 5e-5 # max |2 processes - 1 process| of a weight after the few updates: float rounding (sums split in two), not a different algorithm

def _run(folder:Path) -> Path:
    "A run folder with a tokenizer, an untrained tiny dVAE and a config.json of 520 + 16 shapes scenes (3 + 1 encode batches) with BPE-dropout variants."
    TextTokenizer.train(ShapesDataset(500).captions, text_len=32).save(folder/'tokenizer.json')
    seed_everything(0); DVAE(DVAEConfig.preset('tiny')).save_pretrained(folder/'dvae')
    PipelineConfig(n_train=520, n_val=16, prior=PriorTrainConfig(bpe_dropout=0.1)).save(folder/'config.json')
    return folder

def _maxdiff(a:dict, b:dict) -> float:
    assert a.keys() == b.keys()
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a if a[k].is_floating_point())

def test_two_processes_equal_one(tmp_path):
    two, one = _run(tmp_path/'two'), tmp_path/'one'; shutil.copytree(two, one)
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'CUDA_VISIBLE_DEVICES': '', 'PYTHONPATH': str(Path(__file__).parent)} # CPU, one thread a process
    # without a GPU, `--multi_gpu` starts the processes on the CPU (DDP over gloo); `--cpu --num_processes 2` would start one
    launch = [str(Path(sys.executable).parent/'accelerate'), 'launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1', '--mixed_precision', 'no', '--dynamo_backend', 'no']
    worker = str(Path(__file__).parent/'ddp_worker.py')
    ps = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) # the reference runs beside the two ranks
          for cmd in ([*launch, worker, str(two), str(tmp_path/'out2')], [sys.executable, worker, str(one), str(tmp_path/'out1')])]
    (stdout, stderr), (_, stderr1) = (p.communicate(timeout=300) for p in ps)
    assert ps[0].returncode == 0, stderr[-3000:]
    assert ps[1].returncode == 0, stderr1[-3000:]
    o1, o2 = tmp_path/'out1', tmp_path/'out2'
    infos = [json.loads((o2/f'info_{r}.json').read_text()) for r in range(2)]
    assert infos == [dict(rank=r, encode=2, dvae=2, prior=2) for r in range(2)], infos
    assert json.loads((o1/'info_0.json').read_text()) == dict(rank=0, encode=1, dvae=1, prior=1) # the reference: one process
    assert stdout.count('token cache: ') == 1 and stdout.count('reranker: ') == 1, stdout # the CLI prints once, from rank 0
    # encode: each rank wrote its share of the batches; the cache is the one process's, byte for byte
    for f in ('train_image.npy', 'train_text.npy', 'val_image.npy', 'val_text.npy'):
        assert (one/'tokens'/f).read_bytes() == (two/'tokens'/f).read_bytes(), f
    m1, m2 = (json.loads((r/'tokens'/'meta.json').read_text()) for r in (one, two))
    for m in (m1, m2): m['splits'] = {k: v['n'] for k, v in m['splits'].items()} # less the timings
    assert m1 == m2 and m1['variants'] == 5 and not list(two.glob('tokens/.*'))
    diffs = {}
    for stage, metrics in (('dvae', 'd/dvae'), ('prior', 'prior'), ('rerank', 'rerank')):
        a, b = (pd.read_csv(r/metrics/'metrics.csv') for r in (one, two))
        assert len(a) == len(b) > 1 and (a.step == b.step).all()
        for col in ('loss', 'grad_norm'): # the loss and the gradient's norm of every update, before clipping: the global batch's
            np.testing.assert_allclose(b[col], a[col], rtol=1e-4, err_msg=f'{stage} {col}')
        if stage == 'rerank': # its exported weights are the last update's (EMA decay 0)
            w1, w2 = (load_file(str(r/"rerank"/"model.safetensors")) for r in (one, two))
        else:
            w1, w2, w0 = load_file(str(o1/f'{stage}_0.safetensors')), load_file(str(o2/f'{stage}_0.safetensors')), load_file(str(o2/f'{stage}_init.safetensors'))
            assert all(torch.equal(w2[k], t) for k, t in load_file(str(o2/f'{stage}_1.safetensors')).items()) # both ranks hold the same weights
            assert _maxdiff(w2, w0) > 100 * TOL # the updates moved the weights far more than the tolerance
        diffs[stage] = _maxdiff(w1, w2)
    print('max |2 processes - 1 process|:', diffs)
    assert all(d <= TOL for d in diffs.values()), diffs
