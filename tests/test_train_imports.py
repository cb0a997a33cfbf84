"Training code loads no plotting or web libraries: a job on a cluster node imports only what it trains with."
import subprocess, sys

def test_training_modules_load_no_plotting():
    code = ("import sys, dalle_nb.train_dvae, dalle_nb.train_prior, dalle_nb.rerank, dalle_nb.pipeline; "
            "print(sorted(m for m in ('plotly', 'ipywidgets', 'gradio') if m in sys.modules))")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == '[]', r.stdout
