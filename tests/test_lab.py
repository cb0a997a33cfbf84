"""A chapter in JupyterLab (`make lab`) as a reader runs it: Run All Cells in headless chromium (Debian's, driven by
playwright), the plotly figures and the mask explorer drawn, and the explorer answering a control."""
import json, os, re, secrets, shutil, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest
from browser import open_page
from demo_server import free_port

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).parent/'artifacts'
CHAPTER = '06_masks'



@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    """`jupyter-lab` on a copy of the chapter (with settings.ini, so its `nbdev_export()` cell exports into the copy, and
    nothing in nbs/ or dalle_nb/ is written), its config, data, runtime and settings dirs and HOME in a temp dir."""
    tmp = tmp_path_factory.mktemp('lab')
    work = tmp/'work'; (work/'nbs').mkdir(parents=True)
    nb = json.loads((ROOT/'nbs'/f'{CHAPTER}.ipynb').read_text())
    # nbdev_clean stores no kernelspec, so Lab would ask for one in a dialog; the copy names the default kernel instead.
    nb['metadata']['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    (work/'nbs'/f'{CHAPTER}.ipynb').write_text(json.dumps(nb))
    shutil.copy(ROOT/'settings.ini', work)
    settings = tmp/'settings'/'@jupyterlab'/'apputils-extension'; settings.mkdir(parents=True)
    (settings/'notification.jupyterlab-settings').write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    env = dict(os.environ, HOME=str(tmp/'home'), JUPYTER_CONFIG_DIR=str(tmp/'config'), JUPYTER_DATA_DIR=str(tmp/'data'),
               JUPYTER_RUNTIME_DIR=str(tmp/'runtime'), JUPYTERLAB_SETTINGS_DIR=str(tmp/'settings'),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp/'workspaces'), IPYTHONDIR=str(tmp/'ipython'), OMP_NUM_THREADS='1',
               NO_PROXY='127.0.0.1,localhost', no_proxy='127.0.0.1,localhost')
    port, token = free_port(), secrets.token_hex(16)
    exe = shutil.which('jupyter-lab', path=str(Path(sys.executable).parent)) or 'jupyter-lab'
    log = open(tmp/'lab.log', 'w+')
    p = subprocess.Popen([exe, '--no-browser', '--ip=127.0.0.1', f'--port={port}', f'--ServerApp.token={token}',
                          f'--ServerApp.root_dir={work/"nbs"}', '--allow-root', '--LabApp.news_url=',
                          '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'],
                         stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work, text=True)
    url, t0 = f'http://127.0.0.1:{port}', time.time()
    while True:
        try:
            urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2); break
        except OSError:
            if p.poll() is not None or time.time() - t0 > 60:
                p.kill(); log.seek(0); pytest.fail(f'jupyter-lab did not start within 60 s:\n{log.read()[-3000:]}')
            time.sleep(0.5)
    print(f'jupyter-lab at {url} (took {time.time() - t0:.1f} s)')
    yield url, token, work, lambda: (log.seek(0), log.read()[-3000:])[1]
    p.terminate()   # the server shuts its kernels down on SIGTERM
    try: p.wait(20)
    except subprocess.TimeoutExpired: p.kill()

def test_lab_runs_chapter(lab, tmp_path):
    url, token, work, lab_log = lab
    before = (ROOT/'nbs'/f'{CHAPTER}.ipynb').read_bytes()
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(exist_ok=True)
    outside, t0 = [], time.time()
    with sync_playwright() as pw:
        browser, page = open_page(pw, tmp_path/'profile', viewport={'width': 1400, 'height': 1000})
        def route(r):   # nothing leaves the machine: a request elsewhere is recorded and refused
            if re.match(r'(https?|wss?)://(127\.0\.0\.1|localhost)[:/]|data:|blob:', r.request.url): return r.continue_()
            outside.append(r.request.url); r.abort()
        page.route('**/*', route)
        page.goto(f'{url}/lab/tree/{CHAPTER}.ipynb?token={token}', wait_until='domcontentloaded', timeout=60_000)
        page.locator('.jp-NotebookPanel .jp-Cell').first.wait_for(state='visible', timeout=60_000)
        def done(what, js, timeout_s):   # wait for `js`; on a timeout, fail with the page and the server's log
            try: page.wait_for_function(js, timeout=timeout_s*1000, polling=500)
            except Exception as e:
                page.screenshot(path=str(ARTIFACTS/'lab-failed.png'))
                prompts = page.locator('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt').all_text_contents()
                pytest.fail(f'{what} not within {timeout_s} s ({type(e).__name__}); prompts {prompts}; '
                            f'screenshot tests/artifacts/lab-failed.png; jupyter-lab log:\n{lab_log()}')
        # The kernel is ready when the page's status bar shows it idle.
        done('kernel idle', "() => /ipykernel\\) \\| Idle/.test(document.querySelector('#jp-main-statusbar')?.textContent || '')", 180)
        for attempt in range(3):   # a Run All sent while the page still settles its kernel connection can be dropped
            page.locator('.lm-MenuBar-itemLabel', has_text=re.compile(r'^Run$')).click()
            page.locator('.lm-Menu-itemLabel', has_text=re.compile(r'^Run All Cells$')).click()
            try: page.wait_for_function("""() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]
                                              .some(e => /\\[(\\*|\\d+)\\]:/.test(e.textContent))""", timeout=20_000, polling=250); break
            except Exception: print(f'Run All Cells did not start (try {attempt + 1})')
        done('Run All Cells', """() => {
            const p = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim());
            return p.length > 0 && p.every(t => /^\\[\\d+\\]:$/.test(t)); }""", 240)
        ran = time.time() - t0
        errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"] .jp-RenderedText:has-text("Error")').count()
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 12", timeout=30_000)
        plots = page.locator('.js-plotly-plot').count()
        explorer = page.locator('.jupyter-widgets.widget-vbox').filter(has=page.locator('.widget-dropdown')).last
        explorer.wait_for(state='visible', timeout=30_000)
        out = explorer.locator('.widget-output')
        out.locator('.js-plotly-plot').nth(2).wait_for(state='visible', timeout=30_000)
        n_controls = explorer.locator('.widget-dropdown, .widget-slider').count()
        titles = lambda: out.locator('.js-plotly-plot .gtitle').all_text_contents()
        first, svg_before = titles(), out.locator('.js-plotly-plot').first.inner_html()
        explorer.locator('.widget-dropdown select').select_option('conv')   # kind: row -> conv
        page.wait_for_function("""(first) => {
            const out = [...document.querySelectorAll('.jupyter-widgets.widget-vbox')].filter(e => e.querySelector('.widget-dropdown')).pop()
                          .querySelector('.widget-output');
            const t = [...out.querySelectorAll('.js-plotly-plot .gtitle')].map(e => e.textContent);
            return out.querySelectorAll('.js-plotly-plot').length >= 3 && t.join('|') !== first.join('|'); }""",
            arg=first, timeout=30_000)
        page.wait_for_timeout(500)
        second, svg_after = titles(), out.locator('.js-plotly-plot').first.inner_html()
        explorer.evaluate("e => e.scrollIntoView({block: 'start'})"); page.wait_for_timeout(300)   # controls and figures
        page.screenshot(path=str(ARTIFACTS/'lab.png'))
        browser.close()
    print(f'Run All Cells finished in {ran:.1f} s; {plots} plotly plots, explorer with {n_controls} controls; '
          f'titles {first} -> {second}')
    assert plots >= 6 and n_controls >= 5 and errors == 0
    assert second != first and svg_after != svg_before and any('conv' in t for t in second)
    assert not outside, f'JupyterLab fetched from outside the machine: {outside[:5]}'
    assert (ROOT/'nbs'/f'{CHAPTER}.ipynb').read_bytes() == before   # the chapter in nbs/ is untouched
