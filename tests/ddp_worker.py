"Every training stage and the token cache, a few updates each: run by `accelerate launch --multi_gpu --num_processes 2` (each rank saves its own record) and, in the test's own process, as the one-process reference."
import json, sys
from pathlib import Path
import torch
from safetensors.torch import save_file
from accelerate import PartialState
from dalle_nb.cli import main
from dalle_nb.data import ShapesDataset
from dalle_nb.learner import Callback
from dalle_nb.train_dvae import DVAETrainConfig, train_dvae
from dalle_nb.train_prior import PriorTrainConfig, train_prior

class Grab(Callback):
    "The raw (not EMA) weights before and after training, and the world size the learner saw."
    order = 100
    def before_fit(self, learn): self.init = {k: v.detach().clone().contiguous() for k, v in learn.unwrapped.state_dict().items()}
    def after_fit(self, learn):
        self.final = {k: v.detach().clone().contiguous() for k, v in learn.unwrapped.state_dict().items()}
        self.world = learn.accelerator.num_processes

def run_stages(run:Path, out:Path):
    "encode and train-rerank through the CLI, the dVAE and the prior through their functions; writes out/ (rank r's files end in _r)."
    out.mkdir(parents=True, exist_ok=True); r = PartialState(cpu=True).process_index
    main(['encode', str(run)])
    main(['train-rerank', str(run), '--steps', '3', '--batch-size', '8', '--ema', '0', '--eval-every', '100', '--eval-items', '16',
          '--log-every', '1', '--mixed-precision', 'no'])
    dvae_grab, prior_grab = Grab(), Grab()
    train_dvae((ShapesDataset(16, split='train'), ShapesDataset(4, seed=1, split='train')), run/'d', cbs=[dvae_grab],
               cfg=DVAETrainConfig(preset='tiny', steps=6, batch_size=8, pct_decoder=0.5, log_every=1, recon_every=100, mixed_precision='no'))
    train_prior(run, PriorTrainConfig(steps=4, batch_size=8, warmup=0, eval_every=100, log_every=1, mixed_precision='no'), model=dict(depth=2), cbs=[prior_grab])
    for name, g in (('dvae', dvae_grab), ('prior', prior_grab)):
        save_file(g.final, str(out/f'{name}_{r}.safetensors'))
        if r == 0: save_file(g.init, str(out/f'{name}_init.safetensors'))
    (out/f'info_{r}.json').write_text(json.dumps(dict(rank=r, encode=PartialState().num_processes, dvae=dvae_grab.world, prior=prior_grab.world)))

if __name__ == '__main__': run_stages(Path(sys.argv[1]), Path(sys.argv[2]))
