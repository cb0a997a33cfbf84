"One rank of the FSDP test: train the tiny prior 20 updates as `ddp` or `fsdp`; under fsdp, resume a copy of the run from its update-10 checkpoint too. Writes each rank's parameter share and the full final weights."
import json, shutil, sys
from pathlib import Path
import torch
from safetensors.torch import save_file
from dalle_nb.learner import Callback
from dalle_nb.train_prior import PriorTrainConfig, train_prior

class Record(Callback):
    "Before the run: this rank's share of the parameters; after it: the full trained weights (not the exported ones), saved by rank 0."
    def __init__(self, out:Path, name:str): self.out, self.name = out, name
    def before_fit(self, learn):
        ps = list(learn.model.parameters()) # DTensors under FSDP: numel() is the full size, to_local() this rank's shard
        local = sum((p.to_local() if hasattr(p, 'to_local') else p).numel() for p in ps)
        r = learn.accelerator.process_index
        (self.out/f'{self.name}_rank{r}.json').write_text(json.dumps(dict(rank=r, world=learn.accelerator.num_processes,
            distributed_type=str(learn.accelerator.distributed_type), sharded=learn.sharded, local=local, total=sum(p.numel() for p in ps))))
    def after_fit(self, learn):
        full = learn.full_state(learn.local_state()) if learn.sharded else learn.unwrapped.state_dict()
        if learn.is_main: save_file({k: v.detach().contiguous() for k, v in full.items()}, str(self.out/f'{self.name}_final.safetensors'))

root, mode = Path(sys.argv[1]), sys.argv[2]
cfg = PriorTrainConfig(steps=20, batch_size=4, lr=3e-3, ema=0.9, ema_every=1, eval_every=5, eval_items=16, patience=None,
                       log_every=1, checkpoint_every=10, mixed_precision='no', parallel=mode)
train_prior(root/mode, cfg, model=dict(depth=2), cbs=[Record(root, mode)])
if mode == 'fsdp':
    import torch.distributed as dist
    if dist.get_rank() == 0: # the same run stopped after its update-10 checkpoint
        shutil.copytree(root/'fsdp', root/'resumed')
        shutil.rmtree(root/'resumed'/'prior'/'checkpoints'/'step_0000020'); (root/'resumed'/'prior'/'model.safetensors').unlink()
    dist.barrier()
    train_prior(root/'resumed', cfg, model=dict(depth=2), resume=True, cbs=[Record(root, 'resumed')])
