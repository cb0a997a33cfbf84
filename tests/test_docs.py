"The offline docs site (`make docs`, tools/docs.py) for a few chapters, opened in a real headless chromium with no network."
import re, subprocess, sys, time
from pathlib import Path
import pytest
from browser import FLAGS, chromium

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).parent/'artifacts'
CHAPTERS = ['00_core', '06_masks']   # a PNG grid (show_grid) and plotly figures plus the mask explorer, ~10 s together

@pytest.fixture(scope='module')
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp('docs')
    t0 = time.time()
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'docs.py'), '--out', str(out), '--timeout', '120', *CHAPTERS],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f'tools/docs.py failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}'
    print(f'docs for index + {", ".join(CHAPTERS)} built in {time.time() - t0:.1f} s')
    return out

def test_pages_offline(site):
    "One page per chapter asked for and the index, plotly.js beside them, and no page loads anything from a URL."
    pages = sorted(p.name for p in site.glob('*.html'))
    assert pages == sorted(['index.html'] + [f'{c}.html' for c in CHAPTERS]), pages
    assert (site/'plotly.min.js').stat().st_size > 1_000_000
    for p in site.glob('*.html'):
        text = p.read_text()
        bad = re.findall(r'<(?:script|link|img|iframe)\b[^>]*?(?:src|href)\s*=\s*["\']?(?:https?:)?//[^"\'\s>]+', text)
        bad += re.findall(r'https?://(?:cdn\.plot\.ly|cdnjs\.cloudflare\.com|unpkg\.com|cdn\.jsdelivr\.net)[^"\'\s)]*', text)
        assert not bad, f'{p.name} loads from outside: {bad[:5]}'   # links to the web are fine, loading from it is not
    masks = (site/'06_masks.html').read_text()
    assert '<script src="plotly.min.js"></script>' in masks and 'Plotly.newPlot' in masks
    assert 'nbdev_export' not in masks and '#| export' not in masks   # hidden cells left out, directives stripped


def test_pages_draw_in_chromium(site):
    "Index and chapters in headless chromium: sidebar, an embedded image, plotly figures drawn, no request off the machine."
    exe = chromium()
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(exist_ok=True)
    requests, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True,
                                     args=FLAGS)
        page = browser.new_page(viewport={'width': 1280, 'height': 900})
        page.on('request', lambda r: requests.append(r.url))
        page.on('pageerror', lambda e: errors.append(str(e)))
        page.goto((site/'index.html').as_uri(), wait_until='load')
        nav = page.locator('nav.docs-sidebar li a').all_inner_texts()
        assert nav[0] == 'Home' and '06_masks' in nav and len(nav) == 1 + len(list((ROOT/'nbs').glob('[0-9]*.ipynb'))), nav
        assert page.locator('main h1').first.inner_text().startswith('dalle_nb')
        index_images = page.evaluate("[...document.querySelectorAll('main img')].filter(i => i.complete && i.naturalWidth > 0).length")
        assert index_images >= 3, f'the README\'s pictures of the bundled run: {index_images} drawn'
        page.screenshot(path=str(ARTIFACTS/'docs_index.png'))
        page.locator('nav.docs-sidebar a', has_text='06_masks').click()   # the sidebar leads to the chapter
        page.wait_for_url('**/06_masks.html')
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 6", timeout=30_000)
        plots = page.evaluate("document.querySelectorAll('.js-plotly-plot').length")
        svgs = page.evaluate("document.querySelectorAll('.js-plotly-plot .main-svg').length")
        cells = page.evaluate("document.querySelectorAll('.js-plotly-plot .heatmaplayer image, .js-plotly-plot .trace').length")
        interactive = page.locator('.js-plotly-plot .nsewdrag').count()   # plotly's drag layer: zoom and hover work
        explorer = page.locator('.docs-widget')
        assert explorer.count() == 1 and explorer.locator('.js-plotly-plot').count() >= 3   # the explorer's figures
        assert explorer.locator('select').count() >= 1 and explorer.locator('input[type=range]').count() >= 4
        explorer.scroll_into_view_if_needed(); page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS/'docs_06_masks.png'))
        page.goto((site/'00_core.html').as_uri(), wait_until='load')
        drawn = page.evaluate("[...document.querySelectorAll('main img')].filter(i => i.complete && i.naturalWidth > 0).length")
        page.locator('main img').first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS/'docs_00_core.png'))
        browser.close()
    print(f'06_masks: {plots} plotly plots, {svgs} svg layers, {cells} traces drawn; 00_core: {drawn} images drawn')
    assert plots >= 6 and cells >= plots and interactive >= plots
    assert drawn >= 1
    assert not errors, f'JavaScript errors: {errors[:3]}'
    outside = [u for u in requests if not u.startswith(('file:', 'data:', 'blob:', 'about:'))]
    assert not outside, f'the pages fetched from outside the machine: {outside[:5]}'
