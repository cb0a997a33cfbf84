"The Gradio demo served by `dalle_nb demo RUN` as a user runs it: gradio_client calls, then a real headless chromium."
import concurrent.futures as cf, re, subprocess, time, urllib.request
from pathlib import Path
import pytest
from browser import open_page
from demo_server import EXE, demo_server, rss_mb as _rss

ARTIFACTS = Path(__file__).parent/'artifacts'

def make_run(path:Path) -> Path:
    "A run folder from untrained parts (as in 09_sample), with fake training curves and evaluation."
    import json, pandas as pd
    from dalle_nb.data import ShapesDataset
    from dalle_nb.tokenizer import TextTokenizer
    from dalle_nb.dvae import DVAE, DVAEConfig
    from dalle_nb.prior import Prior, PriorConfig
    from dalle_nb.rerank import Reranker, RerankConfig
    from dalle_nb.report import write_report
    tok = TextTokenizer.train(ShapesDataset(1000).captions, text_len=32); tok.save(path/'tokenizer.json')
    DVAE(DVAEConfig.preset('tiny')).save_pretrained(path/'dvae')
    Prior(PriorConfig.preset('tiny', text_vocab=tok.vocab_size, depth=2)).save_pretrained(path/'prior')
    Reranker(RerankConfig.preset('tiny', text_vocab=tok.vocab_size)).save_pretrained(path/'rerank')
    pd.DataFrame({'step': [10, 20, 30], 'loss': [3.0, 2.5, 2.2], 'text_loss': [4.0, 3.1, 2.9]}).to_csv(path/'prior'/'metrics.csv', index=False)
    (path/'eval.json').write_text(json.dumps({'seen': {'n1': 0.2, 'best_of_16': 0.4, 'prompts': 4}, 'dvae_psnr': 21.0}))
    write_report(path)
    return path


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    "`dalle_nb demo RUN --port P` in a subprocess; yields (url, run folder, server pid)."
    tmp = tmp_path_factory.mktemp('app')
    run = make_run(tmp/'run')
    try: ctx = demo_server(run, tmp); url, pid, _ = ctx.__enter__()
    except RuntimeError as e: pytest.fail(str(e))
    yield url, run, pid
    ctx.__exit__(None, None, None)

@pytest.fixture(scope='module')
def client(server):
    from gradio_client import Client
    return Client(server[0], verbose=False, download_files=False)

def test_cli_errors(tmp_path):
    r = subprocess.run([EXE, 'demo', str(tmp_path/'nowhere')], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and 'no run folder' in r.stderr and 'Traceback' not in r.stderr
    r = subprocess.run([EXE, 'demo', str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and 'has no tokenizer, dvae, prior' in r.stderr and 'Traceback' not in r.stderr

def test_generate(client):
    gallery, msg = client.predict('a large green circle in the center', 3, 1.0, 0, 1.0, 8, 1, api_name='/generate')
    assert len(gallery) == 3 and 'score' in gallery[0]['caption'] and 'best of 8' in msg

def test_bad_inputs_get_messages(client):
    gallery, msg = client.predict('', 4, 1.0, 0, 1.0, 16, 0, api_name='/generate')
    assert gallery == [] and 'empty prompt' in msg and 'Traceback' not in msg
    gallery, msg = client.predict('🐱 ' * 200, 6, 1.0, 0, 1.0, 2, 0, api_name='/generate') # emoji, over-long, rerank < n
    assert len(gallery) == 6 and 'only the first 300' in msg and 'below the number of images' in msg
    from gradio_client.exceptions import AppError
    for args in [(1000, 1.0, 0, 1.0, 16), (4, -2.0, 0, 1.0, 16), (4, 1.0, -5, 1.0, 16), (4, 1.0, 0, 1.0, 10**6)]:
        with pytest.raises(AppError, match='(less|greater) than (minimum|maximum) value'): # refused by the sliders' bounds, one line
            client.predict('a red square', *args, 0, api_name='/generate')
    assert len(client.predict('a red square', 1, 1.0, 0, 1.0, 1, 0, api_name='/generate')[0]) == 1 # still serving

def test_reconstruct(client, tmp_path):
    from gradio_client import handle_file
    from dalle_nb.data import ShapesDataset
    png = tmp_path/'scene.png'; ShapesDataset(2, seed=5).image(0).save(png)
    orig, tokens, rec, msg = client.predict(handle_file(str(png)), api_name='/reconstruct')
    assert orig and rec and tokens and 'PSNR' in msg
    txt = tmp_path/'notes.png'; txt.write_text('this is not an image')
    orig, tokens, rec, msg = client.predict(handle_file(str(txt)), api_name='/reconstruct')
    assert orig is None and rec is None and 'Not an image' in msg and 'Traceback' not in msg

def test_masks(client):
    m, q, r, msg = client.predict('conv', 6, 4, 4, 99, 3, api_name='/masks')
    assert m and q and r and 'odd' in msg and 'used 15' in msg

def test_training_reload(client, server):
    _, run, _ = server
    (run/'rerank'/'metrics.csv').write_text('step,loss\n10,4.0\n20,3.0\n')
    *plots, table, notes = client.predict(api_name='/training')
    assert plots[2] and 'rerank: no metrics.csv' not in notes and 'dvae: no metrics.csv' in notes

def test_report_served(server):
    url, run, _ = server
    html = urllib.request.urlopen(f'{url}/gradio_api/file={(run/"report.html").resolve()}', timeout=30).read().decode()
    assert 'dalle_nb run' in html and 'plotly' in html

def test_20_concurrent_requests(client, server):
    "20 requests at once from a script: all answered (2 at a time, the rest queued) within a bound."
    from gradio_client import Client
    prompts = [f'a small red circle in the top left {i}' for i in range(20)]
    def one(p):
        c = Client(server[0], verbose=False, download_files=False)
        return c.predict(p, 2, 1.0, 0, 1.0, 4, 0, api_name='/generate')
    def rss_mb(): return _rss(server[2])
    before, t0 = rss_mb(), time.time()
    with cf.ThreadPoolExecutor(20) as ex: results = list(ex.map(one, prompts))
    dt, after = time.time() - t0, rss_mb()
    with cf.ThreadPoolExecutor(20) as ex: results += list(ex.map(one, prompts)) # a second wave: memory must not keep growing
    again = rss_mb()
    print(f'20 concurrent requests answered in {dt:.1f} s; server RSS {before:.0f} -> {after:.0f} -> {again:.0f} MB (after a second wave)')
    assert all(len(g) == 2 for g, _ in results) and dt < 90
    assert after - before < 500 and again - after < 150, (before, after, again)


def test_browser_generates(server, tmp_path):
    "Headless chromium: type a prompt, click Generate, wait for the gallery's images; no request leaves the machine."
    try: from playwright.sync_api import sync_playwright
    except ImportError: pytest.fail('playwright is missing: pip install playwright (the browser is Debian chromium, never downloaded)')
    url, *_ = server
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS/'demo_generate.png'
    outside = []
    with sync_playwright() as pw:
        browser, page = open_page(pw, tmp_path/'profile', viewport={'width': 1280, 'height': 1100})
        page.on('request', lambda r: outside.append(r.url) if not re.match(r'(https?|wss?)://(127\.0\.0\.1|localhost)[:/]|data:|blob:', r.url) else None)
        page.goto(url, wait_until='networkidle', timeout=60_000)
        page.locator('#prompt textarea').fill('a large green circle in the center')
        page.locator('#generate').click()
        page.locator('#gallery img').first.wait_for(state='visible', timeout=60_000)
        page.wait_for_function("document.querySelectorAll('#gallery img').length >= 4 && "
                               "[...document.querySelectorAll('#gallery img')].every(i => i.complete && i.naturalWidth > 0)", timeout=30_000)
        n = page.locator('#gallery img').count()
        page.screenshot(path=str(shot), full_page=True)
        page.get_by_role('tab', name='Reconstruct').click()
        from dalle_nb.data import ShapesDataset
        png = tmp_path/'upload.png'; ShapesDataset(2, seed=7).image(0).save(png)
        page.locator('#upload input[type=file]').set_input_files(str(png))
        page.get_by_text('reconstruction PSNR').wait_for(state='visible', timeout=30_000)
        page.locator('.js-plotly-plot:visible').first.wait_for(state='visible', timeout=30_000) # the token grid
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS/'demo_reconstruct.png'), full_page=True)
        page.get_by_role('tab', name='Masks').click()   # plotly comes with gradio's own bundle, not from a CDN
        page.locator('.js-plotly-plot:visible').first.wait_for(state='visible', timeout=30_000)
        page.screenshot(path=str(ARTIFACTS/'demo_masks.png'), full_page=True)
        page.get_by_role('tab', name='Training').click()
        page.get_by_text('open the run report').wait_for(state='visible', timeout=30_000)
        page.locator('.js-plotly-plot:visible').last.wait_for(state='visible', timeout=30_000)
        page.screenshot(path=str(ARTIFACTS/'demo_training.png'), full_page=True)
        browser.close()
    print(f'screenshot: {shot} ({n} images in the gallery)')
    assert n >= 4
    assert not outside, f'the page fetched from outside the machine: {outside[:5]}'

def test_serves_only_what_it_shows(server):
    "The run's weights are not downloadable through Gradio's file route; the report it links is."
    url, run, _ = server
    for f in (run/'prior'/'model.safetensors', run/'tokenizer.json'):
        with pytest.raises(urllib.error.HTTPError) as e: urllib.request.urlopen(f'{url}/gradio_api/file={f.resolve()}', timeout=30)
        assert e.value.code in (403, 404), e.value.code
