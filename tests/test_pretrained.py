"The bundled trained run loads with today's code and still draws what its eval.json says: a change that breaks trained weights fails here."
import json, math
from pathlib import Path
from dalle_nb.evaluate import eval_objects, shapes_accuracy
from dalle_nb.sample import Run

RUN = Path(__file__).parents[1]/'data'/'pretrained'/'shapes'
PROMPTS = 16 # a split: the first 16 of the 48 that eval.json read (the same seeded prompts, the same sample seeds)

def test_bundled_run_accuracy():
    saved = json.loads((RUN/'eval.json').read_text())
    run = Run(RUN)
    for split, name in (('train', 'seen'), ('heldout', 'heldout')):
        got = shapes_accuracy(run, eval_objects(split, PROMPTS, seed=0), samples=16, keep=4, seed=0,
                              guidance_scale=saved['guidance_scale'], temperature=saved['temperature'])
        want = saved[name]['n1']
        noise = 3 * math.sqrt(want * (1 - want) / PROMPTS) + 0.05 # 16 prompts against 48: three standard errors of a prompt's share
        assert abs(got['n1'] - want) <= noise, f"{name}: {got['n1']:.3f} at N = 1 on {PROMPTS} prompts, eval.json says {want:.3f} (±{noise:.3f})"

def test_readme_table_is_the_bundled_runs():
    "The README's accuracy table is the bundled run's eval.json (renew both with `make pretrained`)."
    import re
    saved, readme = json.loads((RUN/'eval.json').read_text()), (RUN.parents[2]/'README.md').read_text()
    for name, row in (('seen', 'seen colour–shape pairs'), ('heldout', 'held-out pairs')):
        cells = re.search(rf'\| {row} \| ([\d.]+)% \| ([\d.]+)% \| ([\d.]+)% \| ([\d.]+)% \|', readme).groups()
        want = [saved[name][k] for k in ('n1', 'best_of_16', 'top4_of_16', 'any')]
        assert [float(c) for c in cells] == [round(100 * w, 1) for w in want], (name, cells, want)
