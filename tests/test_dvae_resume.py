"A dVAE run killed with SIGKILL after a checkpoint and resumed ends with the same weights as one never stopped."
import os, signal, subprocess, sys, time
from pathlib import Path
import pandas as pd
import torch
from safetensors.torch import load_file

SCRIPT = """
import sys, time
from dalle_nb.learner import Callback
from dalle_nb.data import ShapesDataset
from dalle_nb.train_dvae import DVAETrainConfig, train_dvae
class Slow(Callback):
    def after_step(self, learn): time.sleep(0.15)
# 64 images: the decoder phase (steps 12-40, 112 images) sees some twice, so its code cache is in play, and in the checkpoints
data = ShapesDataset(64, seed=0, split='train'), ShapesDataset(16, seed=1, split='train')
import torch; torch.set_num_threads(1)
cfg = DVAETrainConfig(preset='tiny', steps=40, batch_size=4, checkpoint_every=10, log_every=5, recon_every=20, mixed_precision='no')
train_dvae(data, sys.argv[1], cfg, model=dict(n_hid=8, n_init=16, vocab_size=64), resume=sys.argv[2] == 'resume', cbs=[Slow()])
"""

def _run(out, mode): return subprocess.Popen([sys.executable, '-c', SCRIPT, str(out), mode], env={**os.environ, 'OMP_NUM_THREADS': '1'})

def test_sigkill_resume(tmp_path):
    t0 = time.time()
    full, part = tmp_path/'full', tmp_path/'part'
    assert _run(full, 'fresh').wait(timeout=120) == 0
    p = _run(part, 'fresh')
    ck = part/'dvae'/'checkpoints'/'step_0000020'
    while not ck.exists():
        assert p.poll() is None, 'training ended before it could be killed'
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGKILL); p.wait()
    state = load_file(ck/'state_0.safetensors'); caches = [v for k, v in state.items() if k.startswith('CodeCache')]
    assert len(caches) == 1 and (caches[0] >= 0).any() and (caches[0] < 0).any(), 'no half-filled code cache in the checkpoint'
    assert not (part/'dvae'/'model.safetensors').exists(), 'killed too late: the run had finished'
    assert _run(part, 'resume').wait(timeout=120) == 0
    a, b = load_file(full/'dvae'/'model.safetensors'), load_file(part/'dvae'/'model.safetensors')
    assert a.keys() == b.keys()
    for k in a: assert torch.equal(a[k], b[k]), k
    ma, mb = pd.read_csv(full/'dvae'/'metrics.csv'), pd.read_csv(part/'dvae'/'metrics.csv')
    assert list(ma.step) == list(mb.step) == list(range(5, 41, 5))
    assert (ma.loss.values == mb.loss.values).all()
    assert time.time() - t0 < 90
