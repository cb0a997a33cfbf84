"""The peer for bench/dvae.py: dalle-pytorch's `DiscreteVAE`, trained for a wall-clock budget.

Runs inside bench/.venv-peer (see bench/peer_env.sh), never the project's venv:
    bench/.venv-peer/bin/python bench/peer_dvae.py DATA.pt SECONDS OUT.json [no|bf16]
DATA.pt holds uint8 tensors `train` and `val` (N, 3, 64, 64), written by bench/dvae.py, so both models see the
same images. Prints and writes the hard (argmax) reconstruction PSNR on `val`.
"""
import json, math, sys, time, types
import torch

def _stub_taming():
    "dalle_pytorch imports taming's VQGAN classes at import time; only its VQGAN adapter uses them."
    for name in ['taming', 'taming.models', 'taming.models.vqgan']: sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules['taming.models.vqgan'].VQModel = type('VQModel', (), {})
    sys.modules['taming.models.vqgan'].GumbelVQ = type('GumbelVQ', (), {})

def main(data_path, seconds, out_path, mixed_precision='no', threads=1, batch_size=16, lr=1e-3, seed=0):
    torch.set_num_threads(threads); torch.manual_seed(seed)
    _stub_taming()
    from dalle_pytorch import DiscreteVAE
    d = torch.load(data_path)
    train, val = d['train'].float() / 255, d['val'].float() / 255
    # the README's configuration, at 64×64 → 8×8 (3 stride-2 layers) with K = 512
    vae = DiscreteVAE(image_size=64, num_layers=3, num_tokens=512, codebook_dim=512, hidden_dim=64,
                      num_resnet_blocks=1, temperature=0.9, straight_through=False)
    opt = torch.optim.Adam(vae.parameters(), lr=lr)  # train_vae.py's optimiser and learning rate
    g = torch.Generator().manual_seed(seed)
    step, t0 = 0, time.time()
    while time.time() - t0 < seconds:
        idx = torch.randint(len(train), (batch_size,), generator=g)
        with torch.autocast('cpu', torch.bfloat16, enabled=mixed_precision == 'bf16'): loss = vae(train[idx], return_loss=True)
        opt.zero_grad(); loss.backward(); opt.step(); step += 1
    train_s = time.time() - t0
    vae.eval(); ps = []
    with torch.no_grad():
        for xb in val.split(128):
            rec = (vae.decode(vae.get_codebook_indices(xb)) * 0.5 + 0.5).clamp(0, 1)  # undo its (0.5, 0.5) normalisation
            mse = (rec - xb).pow(2).flatten(1).mean(1)
            ps.append(10 * torch.log10(1 / mse.clamp_min(1e-10)))
            used = None
        codes = torch.cat([vae.get_codebook_indices(xb) for xb in val.split(128)])
    res = dict(psnr_hard=torch.cat(ps).mean().item(), steps=step, train_seconds=train_s, images_per_s=step*batch_size/train_s,
               used=(torch.bincount(codes.flatten(), minlength=512) > 0).float().mean().item())
    print(json.dumps(res)); open(out_path, 'w').write(json.dumps(res))

if __name__ == '__main__': main(sys.argv[1], float(sys.argv[2]), sys.argv[3], *sys.argv[4:5], *map(int, sys.argv[5:6]))
