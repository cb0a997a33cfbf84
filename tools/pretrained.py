"""Copy what the chapters, README, demo and tests need of a trained run into the bundled run folder (`make pretrained`):
configs, safetensors weights, metrics, the last reconstruction grid, sample grids, eval.json. Checkpoints and the token
cache stay behind.

    .venv/bin/python tools/pretrained.py runs/pretrained data/pretrained/shapes
    .venv/bin/python tools/pretrained.py --figures data/pretrained/shapes    # the README's pictures only
"""
import shutil, sys
from pathlib import Path

KEEP = ['config.json', 'stages.json', 'eval.json', 'tokenizer.json', 'data.png', 'samples/prompts.csv', 'samples/*_grid*.png',
        *[f'{s}/{f}' for s in ('dvae', 'prior', 'rerank') for f in ('config.json', 'train.json', 'trained.json', 'model.safetensors', 'metrics.csv')],
        'rerank/retrieval.json']

def main(src, dst, limit_mb=10):
    src, dst = Path(src), Path(dst)
    for part in ('tokenizer.json', 'dvae/model.safetensors', 'prior/model.safetensors', 'rerank/model.safetensors', 'eval.json'):
        if not (src/part).exists(): sys.exit(f'{src} has no {part}: run the quickstart into it first (make pretrained)')
    tmp = dst.with_name(dst.name + '.tmp'); shutil.rmtree(tmp, ignore_errors=True)
    files = [f for pattern in KEEP for f in sorted(src.glob(pattern))] + sorted((src/'dvae').glob('recon_*.png'))[-1:]
    for f in files:
        (tmp/f.relative_to(src)).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, tmp/f.relative_to(src))
    size = sum(f.stat().st_size for f in tmp.rglob('*') if f.is_file()) / 2**20
    if size > limit_mb: shutil.rmtree(tmp); sys.exit(f'the bundled run would be {size:.1f} MB, over {limit_mb} MB')
    shutil.rmtree(dst, ignore_errors=True); tmp.rename(dst)
    readme_figures(dst)
    print(f'{dst}: {len(files)} files and figures, {sum(f.stat().st_size for f in dst.rglob("*") if f.is_file()) / 2**20:.1f} MB')

def readme_figures(run:Path):
    "The README's pictures of the bundled run: samples for held-out captions, reconstructions, the Fig. 11 masks."
    import torch
    from PIL import Image
    from dalle_nb.core import show_grid
    from dalle_nb.data import ShapesDataset
    from dalle_nb.masks import attention_mask
    from dalle_nb.sample import Run
    out = run/'readme'; out.mkdir(exist_ok=True)
    r = Run(run)
    prompts = ['a large red triangle in the center', 'a small green circle in the top left', 'a large blue diamond in the bottom right',
               'a small yellow square in the middle left'] # colour-shape pairs no training image holds
    images = torch.cat([r.sample(p, n=4, rerank=16, seed=0)[0] for p in prompts])
    show_grid(images, [p for p in prompts for _ in range(4)], ncol=8, scale=2, caption_lines=3).save(out/'heldout_samples.png')
    rows = []
    for split in ('train', 'heldout'):
        x = torch.stack([ShapesDataset(8, seed=30_000, split=split, objects=1)[i][0] for i in range(8)])
        with torch.no_grad(): rows += [x, r.dvae.decode(r.dvae.encode(x))]
    show_grid(torch.cat(rows), ncol=8, scale=2).save(out/'reconstructions.png')
    masks = [attention_mask(kind, 6, 4, kernel=3) for kind in ('row', 'column', 'conv')] # Fig. 11's sizes: 6 text tokens, a 4×4 grid
    tiles = [Image.fromarray((~m).numpy().astype('uint8') * 255).convert('RGB').resize((22 * 8, 22 * 8), Image.NEAREST) for m in masks]
    show_grid(tiles, ['row', 'column', 'convolutional (3x3)'], ncol=3, caption_lines=1).save(out/'masks.png')

if __name__ == '__main__':
    if sys.argv[1] == '--figures': readme_figures(Path(sys.argv[2])) # again, for a bundled run already in place
    else: main(*sys.argv[1:3])
