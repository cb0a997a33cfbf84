"""Stage 1 benchmark: the tiny dVAE on shapes (judge accuracy on seen and held-out colour–shape pairs) and on
emoji (hard-reconstruction PSNR on a held-out 10%, side by side with dalle-pytorch's DiscreteVAE trained for the
same wall-clock time on the same images, 64×64 → 8×8; K = 1,000 FSQ codes for ours by default, 512 for the peer).

    .venv/bin/python bench/dvae.py --emoji PATH                 # both parts; the peer needs bench/peer_env.sh once
    .venv/bin/python bench/dvae.py --emoji PATH --skip-peer     # ours only
    .venv/bin/python bench/dvae.py --emoji PATH --mixed-precision bf16   # both models' forward passes under bf16 autocast
    .venv/bin/python bench/dvae.py --skip-emoji --mixed-precision bf16 --threads 2 --shapes-steps 12000   # a long shapes run
    .venv/bin/python bench/dvae.py --skip-emoji --threads 2 --shapes-minutes 5.6 --mixed-precision auto --hue 0.5   # the quickstart's dVAE budget

PATH: a folder or manifest of captioned images (we use 3,786 64×64 emoji).
"""
import argparse, json, shutil, subprocess, sys, time
from pathlib import Path
import torch
from dalle_nb.data import ShapesDataset, open_dataset, train_val_split
from dalle_nb.metrics import judge_shape
from dalle_nb.learner import native_bf16
from dalle_nb.train_dvae import DVAETrainConfig, train_dvae, evaluate_dvae

HERE = Path(__file__).parent
ATTRS = ('size', 'color', 'shape', 'position')

def judge(img):
    try: return judge_shape(img)
    except Exception: return None  # an image the judge cannot read counts as wrong

def shapes_accuracy(dvae, split, n=500, seed=30_000):
    "Share of fresh one-object images whose hard reconstruction the judge reads as the same object."
    ds = ShapesDataset(n, seed=seed, split=split, objects=1)
    x = torch.stack([ds[i][0] for i in range(n)])
    rec = torch.cat([dvae.decode(dvae.encode(xb)) for xb in x.split(128)])
    right = [(v := judge(r)) is not None and all(v[a] == ds.scene(i)[0][a] for a in ATTRS) for i, r in enumerate(rec)]
    orig = [(v := judge(o)) is not None and all(v[a] == ds.scene(i)[0][a] for a in ATTRS) for i, o in enumerate(x)]
    return sum(right) / n, sum(orig) / n

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--shapes-steps', type=int, default=DVAETrainConfig.steps)
    ap.add_argument('--shapes-minutes', type=float, help='train shapes for this long instead of --shapes-steps')
    ap.add_argument('--shapes-preset', default=DVAETrainConfig.preset, help="the shapes dVAE's preset ('fsq', the default; 'tiny': the paper's gumbel codes; 'tiny16': 16×16 tokens)")
    ap.add_argument('--hue', type=float, default=DVAETrainConfig.hue, help='share of shapes training images turned to a random hue')
    ap.add_argument('--emoji', help='a folder or manifest of real images')
    ap.add_argument('--skip-emoji', action='store_true')
    ap.add_argument('--emoji-steps', type=int, default=2000)
    # emoji's own recipe for the paper's gumbel codes (experiments/dvae.md): γ 100 and half the run the decoder phase
    ap.add_argument('--emoji-gamma', type=float, default=100.)
    ap.add_argument('--emoji-pct-decoder', type=float, default=0.5)
    ap.add_argument('--preset-emoji', default=DVAETrainConfig.preset, help="the emoji dVAE's preset ('fsq', the default; 'tiny': the paper's gumbel codes)")
    ap.add_argument('--skip-peer', action='store_true')
    ap.add_argument('--skip-shapes', action='store_true')
    ap.add_argument('--mixed-precision', choices=['no', 'bf16', 'auto'], default='no', help="'bf16': ours and the peer under bf16 autocast; 'auto': bf16 where this CPU computes it natively, as the quickstart")
    ap.add_argument('--threads', type=int, default=1, help='CPU threads for each model (the peer gets the same)')
    ap.add_argument('--out', default=str(HERE/'out'/'dvae'))
    a = ap.parse_args()
    if a.mixed_precision == 'auto': a.mixed_precision = 'bf16' if native_bf16() else 'no'
    if not a.skip_emoji and not a.emoji: ap.error('name the real images with --emoji PATH, or pass --skip-emoji')
    torch.set_num_threads(a.threads)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    for f in ('shapes', 'emoji'): shutil.rmtree(out/f, ignore_errors=True)  # each run of the benchmark trains afresh
    rows = [('mixed precision, both models', a.mixed_precision), ('CPU threads, each model', a.threads)]
    if not a.skip_shapes:
        t0 = time.time()
        cfg = DVAETrainConfig(preset=a.shapes_preset, steps=a.shapes_steps, minutes=a.shapes_minutes, hue=a.hue, mixed_precision=a.mixed_precision)
        dvae, learn = train_dvae('shapes', out/'shapes', cfg)
        dt = time.time() - t0
        seen, seen_orig = shapes_accuracy(dvae, 'train'); held, held_orig = shapes_accuracy(dvae, 'heldout')
        val = torch.stack([ShapesDataset(512, seed=40_000, split='all')[i][0] for i in range(512)])
        ev = evaluate_dvae(dvae, val)
        rows += [('shapes: hue-turned share of training images', a.hue), ('shapes: updates', learn.step),
                 (f'shapes: train time (s), {a.shapes_preset} preset', f'{dt:.0f}'), ('shapes: training images/s', f'{learn.step*cfg.batch_size/dt:.0f}'),
                 ('shapes: judge right, hard recon, seen pairs', f'{seen:.3f} (originals {seen_orig:.3f})'),
                 ('shapes: judge right, hard recon, held-out pairs', f'{held:.3f} (originals {held_orig:.3f})'),
                 ('shapes: PSNR hard / relaxed (dB)', f"{ev['psnr_hard']:.2f} / {ev['psnr_soft']:.2f}"),
                 ('shapes: codes used, perplexity', f"{ev['used']:.3f}, {ev['perplexity']:.1f}")]
    if a.skip_emoji: return report(rows, out)
    # emoji: the same 90/10 split for both models
    tr, va = train_val_split(open_dataset(a.emoji), val_frac=0.1, seed=0)
    stack = lambda ds: (torch.stack([ds[i][0] for i in range(len(ds))]) * 255).round().byte()
    torch.save({'train': stack(tr), 'val': stack(va)}, out/'emoji_split.pt')
    t0 = time.time()
    cfg = DVAETrainConfig(preset=a.preset_emoji, steps=a.emoji_steps, gamma=a.emoji_gamma, pct_decoder=a.emoji_pct_decoder, mixed_precision=a.mixed_precision)
    dvae, _ = train_dvae(a.emoji, out/'emoji', cfg)
    ours_s = time.time() - t0
    ev = evaluate_dvae(dvae, torch.load(out/'emoji_split.pt')['val'].float() / 255)
    rows += [('emoji: ours train time (s)', f'{ours_s:.0f}'), ('emoji: ours training images/s', f'{a.emoji_steps*16/ours_s:.0f}'),
             ('emoji: ours PSNR hard / relaxed (dB)', f"{ev['psnr_hard']:.2f} / {ev['psnr_soft']:.2f}"),
             ('emoji: ours codes used, perplexity', f"{ev['used']:.3f}, {ev['perplexity']:.1f}")]
    if not a.skip_peer:
        py = HERE/'.venv-peer'/'bin'/'python'
        if not py.exists(): sys.exit('no bench/.venv-peer: run bench/peer_env.sh first (or pass --skip-peer)')
        subprocess.run([str(py), str(HERE/'peer_dvae.py'), str(out/'emoji_split.pt'), str(ours_s), str(out/'peer.json'), a.mixed_precision, str(a.threads)], check=True)
        peer = json.loads((out/'peer.json').read_text())
        rows += [('emoji: peer (dalle-pytorch DiscreteVAE) train time (s)', f"{peer['train_seconds']:.0f}"),
                 ('emoji: peer training images/s', f"{peer['images_per_s']:.0f}"),
                 ('emoji: peer PSNR hard (dB)', f"{peer['psnr_hard']:.2f}"), ('emoji: peer codes used', f"{peer['used']:.3f}"),
                 ('emoji: PSNR ours − peer (dB)', f"{ev['psnr_hard'] - peer['psnr_hard']:+.2f}")]
    report(rows, out)

def report(rows, out):
    w = max(len(k) for k, _ in rows)
    print('\n'.join(f'{k:<{w}}  {v}' for k, v in rows))
    (out/'results.json').write_text(json.dumps(dict(rows), indent=1))

if __name__ == '__main__': main()
