"""Prior training speed at the reference shape, side by side with dalle-pytorch's DALLE, in one run.

Reference shape (issue 5): dim 256, depth 4, 4 heads × 64, text 32 tokens (vocabulary 1000), 8×8 image tokens
(K = 512), batch 8. One training step = forward + backward + optimizer step. Also measured in the same run:
this machine's fp32 matmul peak (a large matmul), model FLOP utilisation, the peak RSS of `dalle_nb train-prior`
on the tiny preset, and the paper preset's parameter count.

    .venv/bin/python bench/prior.py            # needs bench/.venv-peer (bash bench/peer_env.sh) for the peer
"""
import argparse, json, os, resource, statistics, subprocess, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHAPE = dict(dim=256, depth=4, heads=4, dim_head=64, text_len=32, text_vocab=1000, grid=8, image_vocab=512, batch=8)

PEER = r'''
import sys, time, json, torch
torch.set_num_threads(int(sys.argv[1])); steps = int(sys.argv[2]); S = json.loads(sys.argv[3])
from peer_dvae import _stub_taming  # run with cwd = bench/
_stub_taming()
from dalle_pytorch import DiscreteVAE, DALLE
torch.manual_seed(0)
vae = DiscreteVAE(image_size=64, num_layers=3, num_tokens=S['image_vocab'], codebook_dim=256, hidden_dim=64)
dalle = DALLE(dim=S['dim'], vae=vae, num_text_tokens=S['text_vocab'], text_seq_len=S['text_len'], depth=S['depth'],
              heads=S['heads'], dim_head=S['dim_head'])
opt = torch.optim.Adam([p for p in dalle.parameters() if p.requires_grad], lr=3e-4)
text = torch.randint(1, S['text_vocab'], (S['batch'], S['text_len'])); image = torch.randint(0, S['image_vocab'], (S['batch'], S['grid']**2))
def step():
    loss = dalle(text, image, return_loss=True); loss.backward(); opt.step(); opt.zero_grad()
for _ in range(3): step()
ts = []
for _ in range(steps):
    t = time.perf_counter(); step(); ts.append(time.perf_counter() - t)
print(json.dumps(dict(times=ts, params=sum(p.numel() for p in dalle.parameters() if p.requires_grad))))
'''

def matmul_peak(threads, n=2048, reps=10):
    import torch
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3): a @ b
    best = float('inf')
    for _ in range(reps):
        t = time.perf_counter(); a @ b; best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best

def ours(threads, steps):
    import torch
    from dalle_nb.prior import Prior, PriorConfig
    from dalle_nb.train_prior import prior_loss
    torch.set_num_threads(threads); torch.manual_seed(0)
    S = SHAPE
    cfg = PriorConfig.preset('tiny', dim=S['dim'], depth=S['depth'], heads=S['heads'], head_dim=S['dim_head'],
                             text_len=S['text_len'], text_vocab=S['text_vocab'], grid=S['grid'], image_vocab=S['image_vocab'], mlp_mult=4) # the peer's ff_mult
    model = Prior(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.96), weight_decay=4.5e-2)
    text = torch.randint(1, S['text_vocab'], (S['batch'], S['text_len'])); image = torch.randint(0, S['image_vocab'], (S['batch'], S['grid']**2))
    def step():
        out = prior_loss(model, text, image); out['loss'].backward(); opt.step(); opt.zero_grad(set_to_none=True)
    for _ in range(3): step()
    ts = []
    for _ in range(steps):
        t = time.perf_counter(); step(); ts.append(time.perf_counter() - t)
    return ts, model

def flops_per_step(model):
    "(issue convention 6·N·T + attention, executed matmul FLOPs) for one forward+backward at SHAPE."
    from dalle_nb.masks import attention_mask
    c, S = model.config, SHAPE
    T, L, B = c.text_len, c.seq_len, S['batch']
    n_all = sum(p.numel() for p in model.parameters())
    blocks = sum(p.numel() for b in model.blocks for n, p in b.named_parameters() if p.dim() == 2)
    keys = sum(attention_mask(b.kind, T, c.grid, c.conv_kernel).sum().item() for b in model.blocks) # (q, k) pairs, all layers
    attn = 2 * 2 * keys * c.head_dim * c.heads * B # QKᵀ and AV, forward
    fwd = 2 * blocks * L * B + 2 * c.dim * (c.text_vocab * T + c.image_vocab * (L - T)) * B + attn
    return 6 * n_all * L * B + 3 * attn, 3 * fwd, n_all

def peak_rss_train_tiny(steps):
    "Peak RSS (MB) of `dalle_nb train-prior RUN --preset tiny` on a small shapes token cache, in a child process."
    code = (f"import sys; from pathlib import Path; from dalle_nb.data import ShapesDataset; from dalle_nb.tokenizer import TextTokenizer; "
            f"from dalle_nb.dvae import DVAE, DVAEConfig; from dalle_nb.train_prior import encode_tokens; run = Path(sys.argv[1]); "
            f"TextTokenizer.train(ShapesDataset(2000).captions, text_len=32).save(run/'tokenizer.json'); "
            f"DVAE(DVAEConfig.preset('tiny')).save_pretrained(run/'dvae'); "
            f"encode_tokens(run, {{'train': ShapesDataset(2000), 'val': ShapesDataset(256, seed=1)}}, bpe_dropout=0.1, log=lambda *a: None)")
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, '-c', code, d], check=True, capture_output=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        r = subprocess.run([sys.executable, '-m', 'dalle_nb.cli', 'train-prior', d, '--steps', str(steps)], capture_output=True, text=True)
        secs = time.perf_counter() - t
        if r.returncode: raise RuntimeError(r.stderr[-2000:])
        return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, before / 1024, secs

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--steps', type=int, default=20, help='timed steps per round')
    ap.add_argument('--rounds', type=int, default=2, help='alternating rounds of ours and the peer')
    ap.add_argument('--peer', default=str(HERE/'.venv-peer'/'bin'/'python'))
    ap.add_argument('--rss-steps', type=int, default=200)
    a = ap.parse_args()
    import torch
    from dalle_nb.prior import PriorConfig, count_parameters
    print(f'torch {torch.__version__}, {a.threads} threads, shape {SHAPE}')
    peak = max(matmul_peak(a.threads) for _ in range(2))
    ours_t, peer_t, peer_params = [], [], None
    for r in range(a.rounds):
        ts, model = ours(a.threads, a.steps); ours_t += ts
        if Path(a.peer).exists():
            out = subprocess.run([a.peer, '-c', PEER, str(a.threads), str(a.steps), json.dumps(SHAPE)], capture_output=True, text=True, cwd=HERE)
            if out.returncode: print('peer failed:', out.stderr[-2000:]); break
            res = json.loads(out.stdout.strip().splitlines()[-1]); peer_t += res['times']; peer_params = res['params']
    peak = max(peak, matmul_peak(a.threads))
    issue_flops, exec_flops, n_params = flops_per_step(model)
    tok = SHAPE['batch'] * (SHAPE['text_len'] + SHAPE['grid']**2)
    mo = statistics.median(ours_t)
    rows = [('dalle_nb Prior (sparse row/col/conv masks)', n_params, mo)]
    if peer_t: rows.append(('dalle-pytorch 1.6.6 DALLE (full attention)', peer_params, statistics.median(peer_t)))
    print(f'\nfp32 matmul peak (2048² @ 2048², best of runs): {peak/1e9:.1f} GFLOP/s')
    print(f'\n{"model":44s} {"params":>10s} {"ms/step":>9s} {"tokens/s":>10s}')
    for name, n, m in rows: print(f'{name:44s} {n:>10,} {m*1e3:9.1f} {tok/m:10,.0f}')
    if peer_t: print(f'\nthroughput ratio, ours / dalle-pytorch: {statistics.median(peer_t)/mo:.2f}x (target >= 1.3x)')
    print(f'MFU, issue convention (6·params·tokens + attention = {issue_flops/1e9:.2f} GFLOP/step): '
          f'{issue_flops/mo/1e9:.1f} GFLOP/s = {issue_flops/mo/peak:.0%} of peak (target >= 70%)')
    print(f'MFU, matmul FLOPs actually executed ({exec_flops/1e9:.2f} GFLOP/step): {exec_flops/mo/1e9:.1f} GFLOP/s = {exec_flops/mo/peak:.0%} of peak')
    if a.rss_steps:
        rss, base, secs = peak_rss_train_tiny(a.rss_steps)
        print(f'\npeak RSS of `dalle_nb train-prior --preset tiny` ({a.rss_steps} steps at its default batch, {secs:.0f} s): {rss:,.0f} MB')
    print(f'paper preset: {count_parameters(PriorConfig.preset("paper"))/1e9:.2f}B parameters (built on the meta device)')

if __name__ == '__main__': main()
