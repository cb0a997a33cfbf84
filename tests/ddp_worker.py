"One rank of the two-process test: train the prior, then the dVAE, a few steps each; save this rank's weights and world size."
import json, sys
from pathlib import Path
import torch
from accelerate import Accelerator
from safetensors.torch import save_file
from dalle_nb.train_prior import PriorTrainConfig, train_prior
from dalle_nb.train_dvae import DVAETrainConfig, train_dvae

run, out = Path(sys.argv[1]), Path(sys.argv[2])
acc = Accelerator(cpu=True)
prior = train_prior(run, PriorTrainConfig(steps=6, batch_size=4, eval_every=3, checkpoint_every=3), model=dict(depth=2), accelerator=acc)
out.mkdir(parents=True, exist_ok=True)
r = acc.process_index
save_file({k: v.contiguous() for k, v in prior.state_dict().items()}, str(out/f'rank{r}.safetensors'))
(out/f'rank{r}.json').write_text(json.dumps(dict(num_processes=acc.num_processes, rank=r)))
# 8 images, so the decoder phase's 3 steps of 4 see some twice: its code cache (one per rank) is in play
from dalle_nb.data import ShapesDataset
dvae, learn = train_dvae((ShapesDataset(8, split='train'), ShapesDataset(4, seed=1, split='train')), out/'dvae_run', DVAETrainConfig(steps=4, batch_size=4))
save_file({k: v.contiguous() for k, v in dvae.state_dict().items()}, str(out/f'dvae_rank{r}.safetensors'))
(out/f'dvae_rank{r}.json').write_text(json.dumps(dict(num_processes=learn.accelerator.num_processes)))
