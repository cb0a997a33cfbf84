"""Copy what the chapters, README, demo and tests need of a trained run into the bundled run folder (`make pretrained`):
configs, safetensors weights, metrics, the last reconstruction grid, sample grids, eval.json. Checkpoints and the token
cache stay behind.

    .venv/bin/python tools/pretrained.py runs/pretrained data/pretrained/shapes
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
    print(f'{dst}: {len(files)} files, {size:.1f} MB')

if __name__ == '__main__': main(*sys.argv[1:3])
