"""Sampling speed at the prior's reference shape, side by side with dalle-pytorch's `generate_images`, in one run.

Reference shape (bench/prior.py): dim 256, depth 4, 4 heads × 64, text 32 tokens (vocabulary 1000), 8×8 image tokens
(K = 512), random weights (speed does not depend on training). One "image" = 64 image tokens sampled after the caption
and decoded to 64×64 pixels by the model's VAE, for both: ours is `generate` (KV cache, top-k) + the tiny dVAE's
`decode`; the peer is `DALLE.generate_images` (its defaults; top-k filter 0.5) with its `DiscreteVAE`.
Rounds alternate ours and the peer so that both see the same machine load.

    .venv/bin/python bench/sample.py            # needs bench/.venv-peer (bash bench/peer_env.sh) for the peer
"""
import argparse, json, os, statistics, subprocess, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
from prior import SHAPE as TRAIN_SHAPE  # bench/prior.py: the reference shape, one place
SHAPE = {k: v for k, v in TRAIN_SHAPE.items() if k != 'batch'}

PEER = r'''
import sys, time, json, torch
torch.set_num_threads(int(sys.argv[1])); reps = int(sys.argv[2]); S = json.loads(sys.argv[3]); batches = json.loads(sys.argv[4])
from peer_dvae import _stub_taming  # run with cwd = bench/
_stub_taming()
from dalle_pytorch import DiscreteVAE, DALLE
torch.manual_seed(0)
vae = DiscreteVAE(image_size=64, num_layers=3, num_tokens=S['image_vocab'], codebook_dim=256, hidden_dim=64)
dalle = DALLE(dim=S['dim'], vae=vae, num_text_tokens=S['text_vocab'], text_seq_len=S['text_len'], depth=S['depth'],
              heads=S['heads'], dim_head=S['dim_head']).eval()
out = {}
with torch.no_grad():
    for n in batches:
        text = torch.randint(1, S['text_vocab'], (n, S['text_len']))
        dalle.generate_images(text)  # warm-up
        ts = []
        for _ in range(reps):
            t = time.perf_counter(); imgs = dalle.generate_images(text); ts.append(time.perf_counter() - t)
        assert imgs.shape == (n, 3, 64, 64)
        out[n] = ts
print(json.dumps(out))
'''

def ours(threads, reps, batches):
    import torch
    from dalle_nb.prior import Prior, PriorConfig
    from dalle_nb.dvae import DVAE, DVAEConfig
    from dalle_nb.sample import generate
    torch.set_num_threads(threads); torch.manual_seed(0)
    S = SHAPE
    cfg = PriorConfig.preset('tiny', dim=S['dim'], depth=S['depth'], heads=S['heads'], head_dim=S['dim_head'],
                             text_len=S['text_len'], text_vocab=S['text_vocab'], grid=S['grid'], image_vocab=S['image_vocab'], mlp_mult=4) # the peer's ff_mult
    prior, dvae = Prior(cfg).eval(), DVAE(DVAEConfig.preset('tiny', vocab_size=S['image_vocab'])).eval()
    text = torch.randint(1, S['text_vocab'], (S['text_len'],))
    out = {}
    for n in batches:
        dvae.decode(generate(prior, text, n, top_k=256, seed=0))  # warm-up
        ts = []
        for r in range(reps):
            t = time.perf_counter(); imgs = dvae.decode(generate(prior, text, n, top_k=256, seed=r)); ts.append(time.perf_counter() - t)
        assert imgs.shape == (n, 3, 64, 64)
        out[n] = ts
    return out

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--reps', type=int, default=5, help='timed calls per batch size per round')
    ap.add_argument('--rounds', type=int, default=2, help='alternating rounds of ours and the peer')
    ap.add_argument('--batches', default='1,16', help='images per call')
    ap.add_argument('--peer', default=str(HERE/'.venv-peer'/'bin'/'python'))
    a = ap.parse_args()
    import torch
    batches = [int(b) for b in a.batches.split(',')]
    print(f'torch {torch.__version__}, {a.threads} threads, shape {SHAPE}')
    mine, peer = {n: [] for n in batches}, {n: [] for n in batches}
    for _ in range(a.rounds):
        for n, ts in ours(a.threads, a.reps, batches).items(): mine[n] += ts
        if not Path(a.peer).exists(): continue
        r = subprocess.run([a.peer, '-c', PEER, str(a.threads), str(a.reps), json.dumps(SHAPE), json.dumps(batches)], capture_output=True, text=True, cwd=HERE)
        if r.returncode: raise SystemExit('peer failed: ' + r.stderr[-2000:])
        for n, ts in json.loads(r.stdout.strip().splitlines()[-1]).items(): peer[int(n)] += ts
    print(f'\n{"images per call":>15s} {"ours s/call":>12s} {"ours img/s":>11s} {"peer s/call":>12s} {"peer img/s":>11s} {"ratio":>7s}')
    for n in batches:
        mo = statistics.median(mine[n])
        mp = statistics.median(peer[n]) if peer[n] else float('nan')
        print(f'{n:15d} {mo:12.3f} {n/mo:11.1f} {mp:12.3f} {n/mp:11.1f} {mp/mo:6.1f}x')
    if peer[batches[0]]:
        print(f'\ntargets: one image >= 8x faster; a batch of 16 >= 20x more images per second than dalle-pytorch 1.6.6 generate_images')

if __name__ == '__main__': main()
