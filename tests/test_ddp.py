"The prior and the dVAE train unchanged in two real processes (DDP over gloo), and both ranks end with the same weights."
import json, os, shutil, subprocess, sys
from pathlib import Path
import torch
from safetensors.torch import load_file
from dalle_nb.core import seed_everything
from dalle_nb.data import ShapesDataset
from dalle_nb.dvae import DVAE, DVAEConfig
from dalle_nb.tokenizer import TextTokenizer
from dalle_nb.train_prior import encode_tokens

def test_two_processes_same_weights(tmp_path):
    run = tmp_path/'run'
    TextTokenizer.train(ShapesDataset(500).captions, text_len=32).save(run/'tokenizer.json')
    seed_everything(0); DVAE(DVAEConfig.preset('tiny')).save_pretrained(run/'dvae')
    encode_tokens(run, {'train': ShapesDataset(64, seed=0), 'val': ShapesDataset(16, seed=1)}, bpe_dropout=0.1, log=lambda *a: None)
    torchrun = shutil.which('torchrun') or str(Path(sys.executable).parent/'torchrun')
    env = {**os.environ, 'OMP_NUM_THREADS': '1'}
    r = subprocess.run([torchrun, '--standalone', '--nproc_per_node', '2', str(Path(__file__).parent/'ddp_worker.py'),
                        str(run), str(tmp_path/'out')], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    infos = [json.loads((tmp_path/'out'/f'rank{i}.json').read_text()) for i in range(2)]
    assert [i['num_processes'] for i in infos] == [2, 2] and [i['rank'] for i in infos] == [0, 1]
    w0, w1 = (load_file(str(tmp_path/'out'/f'rank{i}.safetensors')) for i in range(2))
    assert w0.keys() == w1.keys()
    for k in w0: assert torch.equal(w0[k], w1[k]), k
    assert (run/'prior'/'model.safetensors').exists() and (run/'prior'/'metrics.csv').exists()
    assert [json.loads((tmp_path/'out'/f'dvae_rank{i}.json').read_text())['num_processes'] for i in range(2)] == [2, 2]
    d0, d1 = (load_file(str(tmp_path/'out'/f'dvae_rank{i}.safetensors')) for i in range(2))
    for k in d0: assert torch.equal(d0[k], d1[k]), k
