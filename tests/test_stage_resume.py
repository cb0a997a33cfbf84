"""The prior and the reranker, each killed with SIGKILL at a random moment after its first checkpoint, then resumed: the
weights they export equal, tensor for tensor, those of a run never stopped. And the quickstart, killed at a random
moment, completes when run again. The moments are seeded (RELIABILITY_SEED, default 0) and printed."""
import os, random, shutil, signal, subprocess, sys, time
from pathlib import Path
import pytest
import torch
from safetensors.torch import load_file

BUNDLED = Path(__file__).parents[1]/'data'/'pretrained'/'shapes'
SEED = int(os.environ.get('RELIABILITY_SEED', '0'))
EXE = shutil.which('dalle_nb') or str(Path(sys.executable).parent/'dalle_nb')
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'TQDM_DISABLE': '1'}

COMMON = """
import sys, time, torch
torch.set_num_threads(1)
from dalle_nb.learner import Callback
class Slow(Callback): # time to kill it between checkpoints
    def after_step(self, learn): time.sleep(0.1)
run, resume = sys.argv[1], sys.argv[2] == 'resume'
"""
PRIOR = COMMON + """
from dalle_nb.train_prior import PriorTrainConfig, train_prior
cfg = PriorTrainConfig(steps=30, batch_size=4, checkpoint_every=10, log_every=5, eval_every=10, eval_items=16, mixed_precision='no')
train_prior(run, cfg, model=dict(depth=1), resume=resume, cbs=[Slow()])
"""
RERANK = COMMON + """
import dalle_nb.rerank as R
from dalle_nb.data import ShapesDataset
_stage = R.train_stage # train_rerank takes no callbacks: add the slow one to the stage's
R.train_stage = lambda run, stage, net, fn, ds, opt, cfg, cbs, *a: _stage(run, stage, net, fn, ds, opt, cfg, [*cbs, Slow()], *a)
cfg = R.RerankTrainConfig(steps=30, batch_size=8, checkpoint_every=10, log_every=5, eval_every=10, eval_items=16, mixed_precision='no')
R.train_rerank(run, ShapesDataset(64, seed=0), ShapesDataset(64, seed=1), cfg, model=dict(text_depth=1, channels=8), resume=resume)
"""

@pytest.fixture(scope='module')
def base(tmp_path_factory):
    "A run folder with the bundled tokenizer and dVAE, and a small token cache."
    from dalle_nb.data import ShapesDataset
    from dalle_nb.train_prior import encode_tokens
    run = tmp_path_factory.mktemp('stages')/'base'; run.mkdir()
    shutil.copy(BUNDLED/'tokenizer.json', run); shutil.copytree(BUNDLED/'dvae', run/'dvae')
    encode_tokens(run, {'train': ShapesDataset(64, seed=0), 'val': ShapesDataset(32, seed=1)}, bpe_dropout=0., log=lambda s: None)
    return run

def _start(script, run, mode): return subprocess.Popen([sys.executable, '-c', script, str(run), mode], env=ENV,
                                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

def _ok(p, timeout=120):
    _, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, err[-3000:]

def _kill_after_first_checkpoint(p, ck_folder, delay):
    while not (ck_folder/'step_0000010').exists():
        assert p.poll() is None, 'training ended before it could be killed: ' + p.stderr.read()[-2000:]
        time.sleep(0.02)
    time.sleep(delay); os.kill(p.pid, signal.SIGKILL); p.wait()

@pytest.mark.parametrize('stage,script', [('prior', PRIOR), ('rerank', RERANK)])
def test_sigkill_resume(base, tmp_path, stage, script):
    t0 = time.time()
    full, part = tmp_path/'full', tmp_path/'part'
    shutil.copytree(base, full); shutil.copytree(base, part)
    delay = random.Random(f'{SEED}:{stage}').uniform(0, 1.6) # steps 10 to 30 take at least 2 s
    print(f'{stage}: SIGKILL {delay:.2f} s after the first checkpoint (RELIABILITY_SEED={SEED})')
    pf, pp = _start(script, full, 'fresh'), _start(script, part, 'fresh') # side by side: both mostly sleep
    _kill_after_first_checkpoint(pp, part/stage/'checkpoints', delay)
    assert not (part/stage/'model.safetensors').exists(), 'killed too late: the run had finished'
    print('  checkpoints left:', sorted(p.name for p in (part/stage/'checkpoints').iterdir()))
    _ok(_start(script, part, 'resume')); _ok(pf)
    a, b = load_file(full/stage/'model.safetensors'), load_file(part/stage/'model.safetensors')
    assert a.keys() == b.keys()
    for k in a: assert torch.equal(a[k], b[k]), k
    ma, mb = (f/stage/'metrics.csv' for f in (full, part))
    assert ma.read_text() .splitlines()[0] == mb.read_text().splitlines()[0]
    import pandas as pd
    ma, mb = pd.read_csv(ma), pd.read_csv(mb)
    assert list(ma.step) == list(mb.step) == list(range(5, 31, 5))
    assert (ma.loss.values == mb.loss.values).all()
    print(f'  {time.time() - t0:.1f} s')
    assert time.time() - t0 < 60

QUICK = ['--minutes', '0.5', '--n-train', '300', '--n-val', '64', '--eval-prompts', '1', '--eval-captions', '4', '--show-prompts', '1',
         '--prior-batch-size', '8', '--rerank-batch-size', '16']

def test_quickstart_killed_then_rerun(tmp_path):
    "`dalle_nb quickstart` killed at a random moment, then run again, completes and leaves every part of a run."
    t0, out = time.time(), tmp_path/'qs'
    delay = random.Random(f'{SEED}:quickstart').uniform(4, 24)
    print(f'quickstart: SIGKILL after {delay:.1f} s (RELIABILITY_SEED={SEED})')
    p = subprocess.Popen([EXE, 'quickstart', '--out', str(out), *QUICK], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try: p.wait(delay)
    except subprocess.TimeoutExpired: os.kill(p.pid, signal.SIGKILL); p.wait()
    first = p.stdout.read()
    assert p.returncode == -signal.SIGKILL, f'the quickstart ended before it was killed:\n{first[-2000:]}'
    done = [l.split(':')[0] for l in first.splitlines() if ': made ' in l]
    print(f'  killed after the stages {done}')
    r = subprocess.run([EXE, 'quickstart', '--out', str(out), '--minutes', '0.5'], env=ENV, capture_output=True, text=True, timeout=150)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    for f in ('config.json', 'stages.json', 'tokenizer.json', 'data.png', 'eval.json', 'report.html', 'tokens/meta.json',
              'dvae/model.safetensors', 'prior/model.safetensors', 'rerank/model.safetensors', 'rerank/retrieval.json',
              'dvae/trained.json', 'prior/trained.json', 'rerank/trained.json', 'samples/prompts.csv'):
        assert (out/f).is_file() and (out/f).stat().st_size > 0, f
    import json
    assert set(json.loads((out/'stages.json').read_text())) == {'data', 'tokenizer', 'dvae', 'tokens', 'prior', 'rerank', 'samples', 'eval', 'report'}
    assert not list(out.rglob('.tmp_*')) and not list(out.rglob('.*.tmp*')), 'temporary files left behind'
    from dalle_nb.sample import Run
    assert len(Run(out).sample('a red circle', n=1, rerank=2, seed=0)[0]) == 1 # the finished run loads and draws
    print(f'  {time.time() - t0:.1f} s')
