"The modules that train and sample import no plotting or UI library: importing them stays fast and light."
import subprocess, sys

LIGHT = ['dalle_nb.prior', 'dalle_nb.sample', 'dalle_nb.masks', 'dalle_nb.attention', 'dalle_nb.metrics', 'dalle_nb.dvae',
         'dalle_nb.tokenizer', 'dalle_nb.run', 'dalle_nb.learner', 'dalle_nb.train_dvae', 'dalle_nb.train_prior', 'dalle_nb.rerank',
         'dalle_nb.evaluate', 'dalle_nb.pipeline']
HEAVY = ['plotly', 'ipywidgets', 'gradio']

def test_light_modules_import_no_plotting():
    code = (f"import sys\nimport {', '.join(LIGHT)}\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '', f'importing {LIGHT} loaded {out.stdout.strip()}'
