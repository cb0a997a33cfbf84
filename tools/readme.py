"""Write README.md from nbs/index.ipynb (Quarto's `nbdev_readme` is not installable here).

The README is the index notebook's markdown cells, in order (links into `../` made relative to the top folder); hidden code cells are left out and other code
cells become python blocks. `python tools/readme.py --check` fails if README.md is out of step.
"""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def render(nb_path=root/'nbs'/'index.ipynb') -> str:
    parts = []
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        src = ''.join(cell['source']).strip()
        if not src or (cell['cell_type'] == 'code' and src.startswith('#|')): continue
        if cell['cell_type'] == 'markdown': src = src.replace('](../', '](') # links relative to nbs/ → to the README's folder
        parts.append(src if cell['cell_type'] == 'markdown' else f'```python\n{src}\n```')
    return '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    text, readme = render(), root/'README.md'
    if '--check' in sys.argv:
        if readme.read_text() != text: sys.exit('README.md is out of step with nbs/index.ipynb: run `make readme` and commit it')
        print('README.md is in step with nbs/index.ipynb')
    else: readme.write_text(text); print(f'wrote {readme}')
