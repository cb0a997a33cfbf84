"""Build an offline docs site from the chapters in nbs/ with Jupyter's own tools (nbconvert); no Quarto, no network.

    python tools/docs.py [--out _docs] [--jobs 2] [CHAPTER ...]     # `make docs`; CHAPTER: `06_masks`, `nbs/06_masks.ipynb`

Each chapter `nbs/[0-9]*.ipynb` is executed (OMP_NUM_THREADS=1, at most `--jobs` at once) and written as one HTML page;
`index.html` comes from `nbs/index.ipynb` (the README). Cells run as `nbdev_test` runs them: a cell with `#| eval: false`,
a flag of settings.ini's `tst_flags` (`#| slow`) or the `nbdev_export()` call is shown but not run; `#| hide` cells run
but are left out. Every page has a sidebar of the chapters (index first); images are embedded in the pages; plotly
figures are drawn by `plotly.min.js`, copied next to the pages. An ipywidgets explorer is shown as it last drew (its
figures, still interactive, and its controls' values): a static page has no kernel to answer its controls (`make lab`).
"""
import argparse, concurrent.futures as cf, html, json, os, re, shutil, sys, time
from pathlib import Path

root = Path(__file__).resolve().parent.parent
NBS = root/'nbs'
WIDGET_VIEW, WIDGET_STATE = 'application/vnd.jupyter.widget-view+json', 'application/vnd.jupyter.widget-state+json'
PLOTLY = 'application/vnd.plotly.v1+json'

TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
{%- if resources.docs.plotly %}<script src="plotly.min.js"></script>{% endif %}
<style type="text/css">
body.jp-Notebook { display: flex; align-items: flex-start; margin: 0; padding: 0; }
nav.docs-sidebar { position: sticky; top: 0; height: 100vh; overflow-y: auto; box-sizing: border-box; flex: 0 0 13rem;
  padding: 1rem 0.75rem; border-right: 1px solid #ddd; background: #fafafa; font: 14px/1.5 system-ui, sans-serif; }
nav.docs-sidebar .docs-project { font-weight: 600; font-size: 16px; margin-bottom: 0.5rem; display: block; }
nav.docs-sidebar ol { list-style: none; margin: 0; padding: 0; }
nav.docs-sidebar a { color: #1a5fb4; text-decoration: none; display: block; padding: 1px 0.4rem; border-radius: 3px; }
nav.docs-sidebar a:hover { background: #e8eef8; }
nav.docs-sidebar a.docs-current { background: #1a5fb4; color: white; }
body.jp-Notebook > main { flex: 1 1 auto; min-width: 0; max-width: 1100px; padding: 1rem 2rem; }
.docs-not-run::before { content: "not run for the docs (" attr(data-why) ")"; display: block; font: 12px system-ui, sans-serif;
  color: #8a5a00; background: #fff4dc; padding: 1px 6px; }
main a code { color: #1a5fb4; }
.docs-widget { border-left: 3px solid #c7d7ef; padding-left: 0.5rem; }
.docs-widget-note { font: 12px system-ui, sans-serif; color: #555; margin: 2px 0 6px; }
.docs-widget-hbox { display: flex; flex-wrap: wrap; gap: 0.25rem 1.5rem; }
.docs-widget-control { font: 13px system-ui, sans-serif; display: flex; align-items: center; gap: 0.4rem; }
</style>
{%- endblock html_head_css -%}
{%- block body_header -%}
<body class="jp-Notebook" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<nav class="docs-sidebar">{{ resources.docs.nav }}</nav>
<main>
{%- endblock body_header -%}
{% block codecell %}
{%- if cell.metadata.get('docs_not_run') -%}<div class="docs-not-run" data-why="{{ cell.metadata.docs_not_run }}">{{ super() }}</div>
{%- else -%}{{ super() }}{%- endif -%}
{% endblock codecell %}
"""

def chapters() -> list[Path]: return sorted(NBS.glob('[0-9]*.ipynb'))

def describe(path:Path) -> tuple[str, str]:
    "A notebook's title (its `# heading`) and description (its `> line`)."
    for cell in json.loads(path.read_text())['cells']:
        if cell['cell_type'] != 'markdown': continue
        src = ''.join(cell['source'])
        t, d = re.search(r'^#\s+(.+)$', src, re.M), re.search(r'^>\s*(.+)$', src, re.M)
        return (t[1].strip() if t else path.stem), (d[1].strip() if d else '')
    return path.stem, ''

def nav(current:str) -> str:
    title, _ = describe(NBS/'index.ipynb')
    items = [('index', 'index.html', 'Home', title)] + [(p.stem, f'{p.stem}.html', p.stem, describe(p)[1]) for p in chapters()]
    lis = ''.join(f'<li><a href="{href}" title="{html.escape(tip)}"{" class=docs-current" if stem == current else ""}>'
                  f'{html.escape(label)}</a></li>' for stem, href, label, tip in items)
    return f'<a class="docs-project" href="index.html">{html.escape(title)}</a><ol>{lis}</ol>'

# ---------------------------------------------------------------------------------------------------------- cells
def _skip_flags() -> set[str]:
    from nbdev.config import get_config
    return set(str(get_config().get('tst_flags', '') or '').split())

def mark_cells(nb):
    "nbdev_test's choice of cells: those it skips are kept but not run; `#| hide` cells run and are dropped later."
    from nbdev.process import extract_directives
    from nbformat import NotebookNode
    flags = _skip_flags()
    for cell in nb.cells:
        if cell.cell_type != 'code': continue
        d = extract_directives(NotebookNode(source=cell.source), remove=False)
        why = ('eval: false' if d.get('eval:', [''])[0].lower() == 'false' else
               ', '.join(sorted(flags & d.keys())) or ('nbdev_export' if 'nbdev_export(' in cell.source else ''))
        if why: cell.metadata['docs_not_run'] = why
        if 'hide' in d or d.get('include:', [''])[0].lower() == 'false': cell.metadata['docs_hide'] = True
        if d.get('echo:', [''])[0].lower() == 'false': cell.metadata['docs_no_input'] = True
        if d.get('output:', [''])[0].lower() == 'false': cell.metadata['docs_no_output'] = True
    return nb

def executor(**kw):
    from queue import Empty
    from nbconvert.preprocessors import ExecutePreprocessor
    class Execute(ExecutePreprocessor):
        def preprocess_cell(self, cell, resources, index):
            if cell.metadata.get('docs_not_run'): cell.outputs = []; return cell, resources
            return super().preprocess_cell(cell, resources, index)

        async def _async_poll_for_reply(self, *args, **kw):
            # nbclient waits for a cell's reply in one long `get_msg` on the shell socket; when an Output widget makes
            # nbclient send on that socket meanwhile, the wait can miss the reply and sit out the whole timeout
            # (jupyter/nbclient#312: 06_masks and 11a_figures, 120-300 s per explorer cell). Short waits in a loop see it.
            ch = self.kc.shell_channel
            if not getattr(ch, '_docs_short_waits', False):
                get_msg = ch.get_msg
                async def short_waits(timeout=None):
                    deadline = None if timeout is None else time.monotonic() + timeout
                    while True:
                        step = 0.2 if deadline is None else min(0.2, max(0.0, deadline - time.monotonic()))
                        try: return await get_msg(timeout=step)
                        except Empty:
                            if deadline is not None and time.monotonic() >= deadline: raise
                ch.get_msg, ch._docs_short_waits = short_waits, True
            return await super()._async_poll_for_reply(*args, **kw)
    return Execute(**kw)

# -------------------------------------------------------------------------------------------------------- outputs
def plotly_html(fig:dict) -> str:
    import plotly.io as pio
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, validate=False, config={'responsive': True})

def output_html(out:dict, state:dict) -> str:
    "One output (a dict as in a notebook, or as an Output widget holds it) as HTML."
    if out.get('output_type') == 'stream': return f'<pre>{html.escape(out.get("text", ""))}</pre>'
    if out.get('output_type') == 'error': return f'<pre>{html.escape(out.get("ename", ""))}: {html.escape(out.get("evalue", ""))}</pre>'
    data = out.get('data', {})
    if WIDGET_VIEW in data: return widget_html(data[WIDGET_VIEW]['model_id'], state)
    if PLOTLY in data: return plotly_html(data[PLOTLY])
    for mime in ('image/png', 'image/jpeg'):
        if mime in data: return f'<img src="data:{mime};base64,{"".join(data[mime]).strip()}">'
    if 'image/svg+xml' in data: return ''.join(data['image/svg+xml'])
    if 'text/html' in data: return ''.join(data['text/html'])
    if 'text/plain' in data: return f'<pre>{html.escape("".join(data["text/plain"]))}</pre>'
    return ''

def widget_html(model_id:str, state:dict) -> str:
    "A widget as it last drew: boxes laid out, Output widgets' outputs, controls with their values (disabled)."
    m = state.get(model_id)
    if m is None: return ''
    name, s = m.get('model_name', ''), m.get('state', {})
    kids = [c.removeprefix('IPY_MODEL_') for c in s.get('children', [])]
    if name == 'OutputModel': return ''.join(output_html(o, state) for o in s.get('outputs', []))
    if name in ('HBoxModel', 'GridBoxModel'): return f'<div class="docs-widget-hbox">{"".join(widget_html(k, state) for k in kids)}</div>'
    if kids: return f'<div>{"".join(widget_html(k, state) for k in kids)}</div>'
    desc = html.escape(s.get('description', ''))
    if 'SliderModel' in name:
        v = s.get('value')
        return (f'<label class="docs-widget-control">{desc} <input type="range" disabled min="{s.get("min")}" max="{s.get("max")}" '
                f'step="{s.get("step", 1)}" value="{v}"> {html.escape(str(v))}</label>')
    if 'index' in s and '_options_labels' in s:
        labels, i = s['_options_labels'], s['index']
        opts = ''.join(f'<option{" selected" if j == i else ""}>{html.escape(str(o))}</option>' for j, o in enumerate(labels))
        return f'<label class="docs-widget-control">{desc} <select disabled>{opts}</select></label>'
    if 'value' in s: return f'<label class="docs-widget-control">{desc} <code>{html.escape(str(s["value"]))}</code></label>'
    return ''

def static_outputs(nb) -> bool:
    "Plotly figures and widgets as HTML that needs no kernel and no network; returns whether a page needs plotly.js."
    state = nb.metadata.get('widgets', {}).get(WIDGET_STATE, {}).get('state', {})
    for cell in nb.cells:
        for out in cell.get('outputs', []):
            data = out.get('data', {})
            if WIDGET_VIEW in data:
                body = widget_html(data[WIDGET_VIEW]['model_id'], state)
                note = ('<div class="docs-widget-note">An ipywidgets explorer, as it last drew: its controls answer in '
                        'JupyterLab (<code>make lab</code>), where a kernel runs.</div>')
                out['data'] = {'text/html': f'<div class="docs-widget">{note}{body}</div>'}
            elif PLOTLY in data: out['data'] = {'text/html': plotly_html(data[PLOTLY])}
    nb.metadata.pop('widgets', None)
    return any('Plotly.newPlot' in ''.join(o.get('data', {}).get('text/html', ''))
               for c in nb.cells for o in c.get('outputs', []))

def trim(nb):
    "Leave out `#| hide` cells, inputs and outputs asked away, and the directive lines of what is shown."
    cells = []
    for cell in nb.cells:
        if cell.metadata.get('docs_hide'): continue
        if cell.cell_type == 'code':
            cell.source = re.sub(r'\A(?:[ \t]*#\s*\|.*(?:\n|\Z))+', '', cell.source)
            if cell.metadata.get('docs_no_output'): cell.outputs = []
            if cell.metadata.get('docs_no_input'):
                if not cell.outputs: continue
                cell.source = ''; cell.metadata.setdefault('jupyter', {})['source_hidden'] = True
            if not cell.source.strip() and not cell.outputs: continue
        cells.append(cell)
    nb.cells = cells
    return nb

def link_chapters(page:str) -> str:
    "`06_masks` written in code in any page links to that chapter."
    stems = '|'.join(re.escape(p.stem) for p in chapters())
    return re.sub(rf'<code>({stems})(?:\.ipynb)?</code>', r'<a href="\1.html"><code>\1</code></a>', page) if stems else page

# ----------------------------------------------------------------------------------------------------------- pages
def embed_repo_images(nb, base:Path):
    "Markdown images outside `nbs/` (the README's, `../data/...`) as data URIs: nbconvert embeds only files under the notebook's folder."
    import base64, mimetypes
    def data_uri(m):
        f = (base/m.group(2)).resolve()
        if not f.is_file(): return m.group(0)
        return f'![{m.group(1)}](data:{mimetypes.guess_type(f.name)[0] or "image/png"};base64,{base64.b64encode(f.read_bytes()).decode()})'
    for c in nb.cells:
        if c.cell_type == 'markdown': c.source = re.sub(r'!\[([^\]]*)\]\((\.\./[^)\s]+)\)', data_uri, c.source)

def build_page(path:Path, out:Path, timeout:int) -> tuple[str, float, str]:
    "Execute one notebook and write its page; returns (stem, seconds, error or '')."
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbclient.exceptions import CellExecutionError
    t0, stem = time.time(), path.stem
    nb = mark_cells(nbformat.read(path, as_version=4))
    try: executor(timeout=timeout, kernel_name='python3', store_widget_state=True,
                 extra_arguments=['--IPKernelApp.log_level=ERROR']).preprocess(nb, {'metadata': {'path': str(path.parent)}})
    except CellExecutionError as e: return stem, time.time() - t0, re.sub(r'\x1b\[[0-9;]*m', '', str(e))[-3000:]
    except Exception as e: return stem, time.time() - t0, f'{type(e).__name__}: {e}'
    needs_plotly = static_outputs(nb)
    trim(nb); embed_repo_images(nb, path.parent)
    exp = HTMLExporter(template_name='lab', extra_loaders=[DictLoader({'docs.html.j2': TEMPLATE})], template_file='docs.html.j2',
                       embed_images=True, exclude_anchor_links=False)
    title = describe(path)[0]
    nb.metadata['title'] = f'{title} – dalle_nb' if stem != 'index' else title
    page, _ = exp.from_notebook_node(nb, resources={'metadata': {'name': stem, 'path': str(path.parent)},
                                                      'docs': {'nav': nav(stem), 'plotly': needs_plotly}})
    (out/f'{stem}.html').write_text(link_chapters(page))
    return stem, time.time() - t0, ''

def resolve(name:str) -> Path:
    p = Path(name)
    for cand in (p, NBS/p.name, NBS/f'{p.stem}.ipynb', NBS/f'{name}.ipynb'):
        if cand.suffix == '.ipynb' and cand.exists(): return cand.resolve()
    matches = [c for c in chapters() if c.stem.startswith(name)]
    if len(matches) == 1: return matches[0]
    sys.exit(f'docs: no chapter {name!r} in {NBS} (chapters: {", ".join(c.stem for c in chapters())})')

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('chapters', nargs='*', help='chapters to build (default: all); index.html is always built')
    ap.add_argument('--out', default=str(root/'_docs'), help='output folder (default: _docs)')
    ap.add_argument('--jobs', type=int, default=2, help='chapters executed at once (default: 2)')
    ap.add_argument('--timeout', type=int, default=300, help='seconds a cell may run (default: 300)')
    a = ap.parse_args(argv)
    os.environ['OMP_NUM_THREADS'] = '1'   # inherited by the kernels: one torch thread per notebook
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    import plotly
    shutil.copyfile(Path(plotly.__file__).parent/'package_data'/'plotly.min.js', out/'plotly.min.js')
    todo = [NBS/'index.ipynb'] + ([resolve(c) for c in a.chapters] if a.chapters else chapters())
    todo = list(dict.fromkeys(todo))
    t0, failed = time.time(), []
    with cf.ProcessPoolExecutor(max(1, a.jobs)) as ex:
        futs = [ex.submit(build_page, p, out, a.timeout) for p in todo]
        for f in cf.as_completed(futs):
            stem, dt, err = f.result()
            print(f'{stem:<16} {dt:6.1f} s  {"FAILED" if err else "ok"}', flush=True)
            if err: failed.append(stem); print(err, file=sys.stderr)
    print(f'docs: {len(todo) - len(failed)} pages in {out} in {time.time() - t0:.0f} s; open {out/"index.html"}')
    if failed: sys.exit(f'docs: these notebooks failed to execute: {", ".join(failed)}')

if __name__ == '__main__': main()
