"The prior trains sharded (Accelerate's FSDP2) in two CPU processes: each holds half the parameters, the losses and the exported weights are DDP's, and a sharded checkpoint resumes."
import json, os, shutil, subprocess, sys
from pathlib import Path
import pandas as pd
import torch
from safetensors.torch import load_file
from dalle_nb.core import seed_everything
from dalle_nb.data import ShapesDataset
from dalle_nb.dvae import DVAE, DVAEConfig
from dalle_nb.tokenizer import TextTokenizer
from dalle_nb.train_prior import encode_tokens

ATOL = 1e-5 # the two strategies sum the gradients in another order (all-reduce vs reduce-scatter): float32 rounding only

def _launch(root, mode):
    torchrun = shutil.which('torchrun') or str(Path(sys.executable).parent/'torchrun')
    r = subprocess.run([torchrun, '--standalone', '--nproc_per_node', '2', str(Path(__file__).parent/'fsdp_worker.py'), str(root), mode],
                       capture_output=True, text=True, timeout=300, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-4000:]

def _close(a:dict, b:dict, atol=ATOL):
    assert a.keys() == b.keys()
    return max((a[k] - b[k]).abs().max().item() for k in a)

def test_fsdp_matches_ddp(tmp_path):
    base = tmp_path/'base'
    TextTokenizer.train(ShapesDataset(500).captions, text_len=32).save(base/'tokenizer.json')
    seed_everything(0); DVAE(DVAEConfig.preset('tiny')).save_pretrained(base/'dvae')
    encode_tokens(base, {'train': ShapesDataset(64, seed=0), 'val': ShapesDataset(16, seed=1)}, bpe_dropout=0.1, log=lambda *a: None)
    for mode in ('ddp', 'fsdp'): shutil.copytree(base, tmp_path/mode); _launch(tmp_path, mode)
    info = {(m, r): json.loads((tmp_path/f'{m}_rank{r}.json').read_text()) for m in ('ddp', 'fsdp', 'resumed') for r in (0, 1)}
    assert all(i['world'] == 2 for i in info.values())
    assert not info['ddp', 0]['sharded'] and info['fsdp', 0]['sharded'] and info['fsdp', 0]['distributed_type'] == 'DistributedType.FSDP'
    total = info['fsdp', 0]['total']; assert total == info['ddp', 0]['total'] == info['ddp', 0]['local']
    shares = [info['fsdp', r]['local'] / total for r in (0, 1)]
    assert sum(info['fsdp', r]['local'] for r in (0, 1)) == total and all(0.45 < s < 0.55 for s in shares), shares
    # the checkpoint is sharded: one distributed-checkpoint file per rank, no full weights file
    ck = tmp_path/'fsdp'/'prior'/'checkpoints'/'step_0000010'
    assert sorted(p.name for p in (ck/'pytorch_model_fsdp_0').glob('*.distcp')) == ['__0_0.distcp', '__1_0.distcp'] and not (ck/'model.safetensors').exists()
    # so is the learner's own state: each rank's file holds its half of the EMA weights
    shadow = [sum(v.numel() for k, v in load_file(str(ck/f'state_{r}.safetensors')).items() if k.startswith('EMA0.shadow.')) for r in (0, 1)]
    assert sum(shadow) == total and shadow[0] == info['fsdp', 0]['local'], shadow
    metrics = {m: pd.read_csv(tmp_path/m/'prior'/'metrics.csv').set_index('step') for m in ('ddp', 'fsdp', 'resumed')}
    loss = {m: df['loss'] for m, df in metrics.items()}
    val = {m: df['val_bits_per_image_token'].dropna() for m, df in metrics.items()} # read with the EMA weights loaded into the model
    assert list(val['fsdp'].index) == [5, 10, 15, 20] and (val['fsdp'] - val['ddp']).abs().max() < ATOL
    assert list(loss['ddp'].index) == list(loss['fsdp'].index) == list(range(1, 21)) == list(loss['resumed'].index)
    dloss = (loss['ddp'] - loss['fsdp']).abs().max(); assert dloss < ATOL, dloss
    assert ((metrics['ddp'].grad_norm - metrics['fsdp'].grad_norm).abs() / metrics['ddp'].grad_norm).max() < 1e-4 # clipped at 4 from the sharded gradients
    assert (loss['ddp'].iloc[0] - loss['ddp'].iloc[-1]) > 0.1 # it learned: the comparison is not of a model standing still
    final = {m: load_file(str(tmp_path/f'{m}_final.safetensors')) for m in ('ddp', 'fsdp', 'resumed')}
    exported = {m: load_file(str(tmp_path/m/'prior'/'model.safetensors')) for m in ('ddp', 'fsdp', 'resumed')}
    d = dict(final_vs_ddp=_close(final['fsdp'], final['ddp']), resumed_vs_fsdp=_close(final['resumed'], final['fsdp']),
             export_vs_ddp=_close(exported['fsdp'], exported['ddp']), export_resumed=_close(exported['resumed'], exported['fsdp']))
    print(f'parameter shares {shares}, max |loss fsdp - ddp| {dloss:.2e}', d)
    assert all(v < ATOL for v in d.values()), d
    assert _close(exported['fsdp'], final['fsdp']) > 10 * ATOL # the export holds the EMA/best weights, not the last ones
