"""A disk that fills during a checkpoint: the error says so in one line and names the folder, no half-written checkpoint
is left (neither `step_*` nor `.tmp_step_*`), and a resume, once there is room, starts from the checkpoint before."""
import errno, json, os, shutil, subprocess, sys, textwrap
from pathlib import Path
import pytest
import dalle_nb.learner
from test_reliability import cli

def last_line_error(code, err, *words):
    "Exit status 2, no traceback, and the error is the last line of stderr (after the progress bar, not drawn over by it)."
    assert code == 2 and 'Traceback' not in err, (code, err)
    last = err.strip().splitlines()[-1]
    assert last.startswith('dalle_nb train-dvae: error: ') and sum('error' in l for l in err.splitlines()) == 1, err
    for w in words: assert w in last, (w, last)

TRAIN = ['--data', 'shapes', '--batch-size', '4', '--mixed-precision', 'no', '--log-every', '1']

def test_enospc_on_second_checkpoint(tmp_path, monkeypatch):
    "Deterministic: safetensors' `save_file` raises ENOSPC on the second checkpoint."
    real, calls = dalle_nb.learner.save_file, []
    def full(*a, **k):
        calls.append(a[1])
        if len(calls) == 2: raise OSError(errno.ENOSPC, 'No space left on device')
        return real(*a, **k)
    monkeypatch.setattr(dalle_nb.learner, 'save_file', full)
    out = tmp_path/'r'; cks = out/'dvae'/'checkpoints'
    code, err = cli('train-dvae', *TRAIN, '--out', out, '--steps', '4', '--checkpoint-every', '2')
    last_line_error(code, err, 'disk full', 'step_0000004', str(cks), 'step_0000002, is intact')
    assert sorted(p.name for p in cks.iterdir()) == ['step_0000002'], 'a half-written checkpoint was left'
    monkeypatch.setattr(dalle_nb.learner, 'save_file', real)
    code, err = cli('train-dvae', *TRAIN, '--out', out, '--steps', '4', '--checkpoint-every', '2', '--resume')
    assert code == 0, err
    assert json.loads((out/'dvae'/'trained.json').read_text())['updates'] == 4
    import pandas as pd
    assert pd.read_csv(out/'dvae'/'metrics.csv').step.tolist() == [1, 2, 3, 4] # resumed at 2: rows 3 and 4 again, once each

DRIVER = """
import json, os, subprocess, sys
d, exe = sys.argv[1], sys.argv[2]
train = [exe, 'train-dvae', '--data', 'shapes', '--preset', 'tiny', '--out', d + '/r', '--steps', '5', '--batch-size', '4', '--checkpoint-every', '1',
         '--mixed-precision', 'no', '--log-every', '1', '--recon-every', '100']
res = {}
a = subprocess.run(train, capture_output=True, text=True)
res['first'] = dict(rc=a.returncode, err=a.stderr)
ck = d + '/r/dvae/checkpoints'
res['left'] = sorted(os.listdir(ck)) if os.path.isdir(ck) else []
subprocess.run(['mount', '-o', 'remount,size=48m', d], check=True) # the user frees some space
b = subprocess.run(train + ['--resume'], capture_output=True, text=True)
res['resume'] = dict(rc=b.returncode, err=b.stderr[-1500:])
res['trained'] = json.load(open(d + '/r/dvae/trained.json')) if os.path.exists(d + '/r/dvae/trained.json') else None
print('RESULT ' + json.dumps(res))
"""

def test_real_full_disk(tmp_path):
    "A 10 MB tmpfs (a private mount namespace, as root) that fills while the third 4 MB checkpoint (the gumbel `tiny` dVAE's) is written."
    if os.geteuid() != 0 or not shutil.which('unshare'): pytest.skip('needs root and unshare to mount a tmpfs')
    d = tmp_path/'small'; d.mkdir()
    exe = shutil.which('dalle_nb') or str(Path(sys.executable).parent/'dalle_nb')
    probe = subprocess.run(['unshare', '-m', 'sh', '-c', f'mount -t tmpfs -o size=1m tmpfs {d}'], capture_output=True, text=True)
    if probe.returncode: pytest.skip(f'cannot mount a tmpfs here: {probe.stderr.strip()}')
    r = subprocess.run(['unshare', '-m', 'sh', '-c', f'mount -t tmpfs -o size=10m tmpfs {d} && exec {sys.executable} -c "$0" {d} {exe}', DRIVER],
                       capture_output=True, text=True, timeout=150, env={**os.environ, 'OMP_NUM_THREADS': '1', 'TQDM_DISABLE': '1'})
    line = next((l for l in r.stdout.splitlines() if l.startswith('RESULT ')), None)
    assert line, (r.stdout + r.stderr)[-3000:]
    res = json.loads(line[7:]); print(res)
    last_line_error(res['first']['rc'], res['first']['err'], 'disk full', 'could not write checkpoint step_0000003', 'step_0000002, is intact')
    assert res['left'] == ['step_0000001', 'step_0000002'], res['left'] # no .tmp_step_0000003 filling the disk
    assert res['resume']['rc'] == 0, res['resume']['err']
    assert res['trained']['updates'] == 5
