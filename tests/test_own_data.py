"The quickstart on a small dataset of one's own (a CSV manifest), at a tiny budget: what eval.json, the report and the samples say."
import json, re
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image, ImageDraw
from dalle_nb.pipeline import PipelineConfig, quickstart, datasets
from dalle_nb.train_prior import PriorTrainConfig, TokenDataset, evaluate_prior
from dalle_nb.rerank import RerankTrainConfig
from dalle_nb.evaluate import dataset_captions
from dalle_nb.prior import Prior

COLOURS = dict(red=(200, 40, 40), green=(40, 160, 60), blue=(40, 70, 200), yellow=(230, 200, 40))
BACKS = dict(sand=((235, 220, 180), (190, 160, 110)), night=((30, 30, 60), (80, 80, 140)), grass=((120, 190, 110), (40, 110, 50)))
PLACES = dict(left=(16, 32), right=(48, 32), top=(32, 16), bottom=(32, 48), middle=(32, 32))

def make_dataset(root:Path, n:int=240, seed:int=0) -> Path:
    "n noisy 64-px pictures (a coloured shape on a gradient background) with captions, listed in root/pairs.csv."
    rng, rows = np.random.default_rng(seed), []
    (root/'img').mkdir(parents=True)
    for i in range(n):
        colour, back, place = rng.choice(list(COLOURS)), rng.choice(list(BACKS)), rng.choice(list(PLACES))
        shape = rng.choice(['circle', 'square', 'triangle'])
        a, b = (np.array(c, float) for c in BACKS[back])
        t = np.linspace(0, 1, 64)[:, None, None]
        img = Image.fromarray(np.broadcast_to(a * (1 - t) + b * t, (64, 64, 3)).astype(np.uint8))
        (x, y), r = PLACES[place], int(rng.integers(8, 13))
        x, y = x + int(rng.integers(-3, 4)), y + int(rng.integers(-3, 4))
        d, fill = ImageDraw.Draw(img), COLOURS[colour]
        if shape == 'circle': d.ellipse([x - r, y - r, x + r, y + r], fill=fill)
        elif shape == 'square': d.rectangle([x - r, y - r, x + r, y + r], fill=fill)
        else: d.polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=fill)
        arr = np.clip(np.asarray(img, float) + rng.normal(0, 8, (64, 64, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(arr).save(root/'img'/f'{i:04d}.png')
        rows.append(dict(image=f'img/{i:04d}.png', caption=f'a {colour} {shape} on the {place} over {back}'))
    pd.DataFrame(rows).to_csv(root/'pairs.csv', index=False)
    return root/'pairs.csv'

@pytest.fixture(scope='module')
def own_run(tmp_path_factory):
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp('own')
    cfg = PipelineConfig(data=str(make_dataset(tmp/'data')), val_frac=0.2, minutes=30 / 60, show_prompts=3, eval_captions=16,
                         prior=PriorTrainConfig(batch_size=8, eval_every=20, eval_items=48), rerank=RerankTrainConfig(batch_size=32, eval_every=10))
    return quickstart(tmp/'run', cfg, log=print), cfg

def test_eval_has_retrieval_and_caption_match(own_run):
    run, cfg = own_run
    res = json.loads((run/'eval.json').read_text())
    print({k: v for k, v in res.items() if not isinstance(v, dict)})
    for k in ('retrieval_top1', 'caption_match_generated', 'caption_match_real'): assert 0 <= res[k] <= 1, k
    assert res['retrieval_pool'] == 48 and res['caption_match_captions'] == 16 and res['caption_match_samples'] == 4
    assert 'val_bits_per_image_token' in res and 'dvae_psnr' in res and 'seen' not in res # no shapes judge off shapes
    page = (run/'report.html').read_text()
    for words in ('retrieval top1', 'caption match generated', 'caption match real', 'real validation images beside generated ones'): assert words in page, words

def test_samples_spread_over_the_data(own_run):
    run, cfg = own_run
    prompts = list(dict.fromkeys(pd.read_csv(run/'samples'/'prompts.csv').prompt))
    val_caps = dataset_captions(datasets(cfg)[1])
    assert len(prompts) == 3 and all(p in val_caps for p in prompts)
    assert prompts != val_caps[:3] # not the first rows
    assert (run/'samples'/'real_vs_generated.png').exists()

@pytest.mark.parametrize('stage', ['prior', 'rerank'])
def test_exported_weights_are_the_best_validation_point(own_run, stage):
    run, _ = own_run
    col = 'val_bits_per_image_token' if stage == 'prior' else 'val_loss'
    m = pd.read_csv(run/stage/'metrics.csv').dropna(subset=[col])
    assert len(m) >= 2, m # several readings to choose from
    best = m.loc[m[col].idxmin()]
    exported = json.loads((run/stage/'trained.json').read_text())['exported']
    value, step = re.fullmatch(rf'best {col} ([\d.]+) at update (\d+)', exported).groups()
    assert int(step) == int(best.step) and abs(float(value) - best[col]) < 1e-3
    if stage == 'prior': # and the weights in prior/ score exactly that reading
        prior = Prior.from_pretrained(run/'prior')
        got = evaluate_prior(prior, TokenDataset(run/'tokens', 'val'), max_items=48)['val_bits_per_image_token']
        assert abs(got - best[col]) < 1e-3, (got, best[col])
