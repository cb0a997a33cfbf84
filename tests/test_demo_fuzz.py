"""A seeded fuzz of the demo's API on the bundled run: random strings (empty, huge, unicode, control characters), numbers
out of range, NaN/inf and wrong types, ~60 calls through gradio_client and Gradio's HTTP API. No call may end in an
unhandled server error (HTTP 5xx, Gradio's bare 'Error', a traceback in the server log or in what comes back), and
the server still answers a normal request at the end."""
import json, math, os, random, shutil, time, urllib.request, urllib.error
from pathlib import Path
import pytest
from demo_server import BUNDLED, demo_server

SEED = int(os.environ.get('FUZZ_SEED', '0'))

@pytest.fixture(scope='module')
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('fuzz'); run = tmp/'run'; shutil.copytree(BUNDLED, run)
    try: ctx = demo_server(run, tmp); url, pid, log = ctx.__enter__()
    except RuntimeError as e: pytest.fail(str(e))
    yield url, pid, log
    ctx.__exit__(None, None, None)

def rand_string(rng):
    kind = rng.choice(['empty', 'spaces', 'huge', 'unicode', 'control', 'mixed', 'normal', 'markdown'])
    if kind == 'empty': return ''
    if kind == 'spaces': return rng.choice([' ', '\n\t ', '\u3000\u00a0'])
    if kind == 'huge': return ''.join(rng.choice('abc xyz🐱') for _ in range(rng.choice([1000, 20000, 200_000])))
    if kind == 'unicode': return ''.join(chr(rng.choice([rng.randrange(0x80, 0x2fff), rng.randrange(0x1f300, 0x1faff), 0x202e, 0xfeff, 0x200b])) for _ in range(rng.randrange(1, 60)))
    if kind == 'control': return ''.join(chr(rng.randrange(0, 32)) for _ in range(rng.randrange(1, 40))) + 'a red circle'
    if kind == 'markdown': return '**<script>alert(1)</script>** [x](javascript:alert(1)) $$\\frac{1}{0}$$ | a | b |'
    if kind == 'mixed': return 'a small red circle \x00\x1b[31m in the 🐱 top left ' + '\ud7ff' * 3
    return rng.choice(['a small red circle in the top left', 'a large blue square in the center'])

def rand_number(rng, lo, hi):
    return rng.choice([lo - 1, hi + 1, -10**12, 10**30, 0.5, -0.0, math.nan, math.inf, -math.inf, 2**63, rng.uniform(lo, hi),
                       rng.randrange(int(lo), int(hi) + 1), '7', 'seven', '', None, [], {'a': 1}, True, [1, 2]])

GENERATE = [(1, 16), (0.05, 5.0), (0, 512), (0.0, 20.0), (1, 64), (0, 2**31 - 1)] # n, temperature, top-k, guidance, rerank, seed
MASKS = [(0, 32), (1, 16), (1, 11), (0, 255), (1, 8)]

def call_http(url, api, data, timeout=60) -> tuple[str, str]:
    "POST /gradio_api/call/API then read its event stream: (last event name, its data). HTTP errors come back as ('http NNN', body)."
    body = json.dumps({'data': data}, allow_nan=True).encode()
    req = urllib.request.Request(f'{url}/gradio_api/call/{api}', body, {'Content-Type': 'application/json'})
    try:
        ev = json.loads(urllib.request.urlopen(req, timeout=timeout).read())['event_id']
        text = urllib.request.urlopen(f'{url}/gradio_api/call/{api}/{ev}', timeout=timeout).read().decode()
    except urllib.error.HTTPError as e: return f'http {e.code}', e.read().decode(errors='replace')[:500]
    events = [l[7:] for l in text.splitlines() if l.startswith('event: ')]
    data = [l[6:] for l in text.splitlines() if l.startswith('data: ')]
    return events[-1] if events else '', data[-1] if data else ''

def test_fuzz_api(server, tmp_path):
    url, pid, log = server
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError
    client = Client(url, verbose=False, download_files=False)
    rng, t0, bad, counts, msgs = random.Random(SEED), time.time(), [], {}, set()
    files = {'png.png': None, 'empty.png': b'', 'text.png': b'not an image at all', 'huge.svg': b'<svg>' + b'A' * 2_000_000 + b'</svg>',
             'trunc.png': (BUNDLED/'data.png').read_bytes()[:3000], 'bomb.png': None}
    from PIL import Image
    Image.new('RGB', (3, 2), (9, 9, 9)).save(tmp_path/'png.png'); Image.new('L', (12000, 12000)).save(tmp_path/'bomb.png', optimize=False)
    for name, content in files.items():
        if content is not None: (tmp_path/name).write_bytes(content)
    def check(what, outcome):
        text = json.dumps(outcome, default=str) if not isinstance(outcome, str) else outcome
        if 'Traceback' in text or 'File "/' in text: bad.append(f'{what}: a traceback came back: {text[:300]}')
    def http(api, data, what):
        arity = len(data) < {'generate': 7, 'masks': 6}[api] # Gradio refuses it before our code runs, with a bare error: not ours to fix
        event, payload = call_http(url, api, data)
        counts[event] = counts.get(event, 0) + 1
        if event.startswith('http 5'): bad.append(f'{what}: {event} {payload[:200]}')
        if event == 'error' and not arity and (payload in ('null', '', '"Error"') or '"error": null' in payload): bad.append(f'{what}: an unhandled error ({payload})')
        if event == 'error': msgs.add(payload[:150])
        check(what, payload)
    def predict(api, args, what):
        if any(isinstance(a, float) and not math.isfinite(a) for a in args): return http(api, args, what) # gradio_client refuses to send NaN/inf
        *_, msg = client.predict(*args, api_name='/' + api); check(what, msg); counts['ok'] = counts.get('ok', 0) + 1
    for i in range(60):
        if time.time() - t0 > 75: break
        api = rng.choice(['generate'] * 5 + ['masks'] * 2 + ['reconstruct', 'training', 'http'])
        try:
            if api == 'generate':
                args = [rand_string(rng), *(rand_number(rng, lo, hi) for lo, hi in GENERATE)]
                args[1], args[5] = (rng.choice([1, 2, args[1]]), rng.choice([1, 4, args[5]])) # keep most draws small: the CPU is shared
                what = f'generate{tuple(a if not isinstance(a, str) else a[:40] for a in args)}'
                predict(api, args, what)
            elif api == 'masks':
                args = [rng.choice(['row', 'col', 'conv', 'dense', '', 'nonsense', None, 7, '🐱' * 50]), *(rand_number(rng, lo, hi) for lo, hi in MASKS)]
                what = f'masks{tuple(args)}'
                predict(api, args, what)
            elif api == 'reconstruct':
                name = rng.choice(list(files)); what = f'reconstruct({name})'
                *_, msg = client.predict(handle_file(str(tmp_path/name)), api_name='/reconstruct'); check(what, msg); counts['ok'] = counts.get('ok', 0) + 1
            elif api == 'training':
                what = 'training()'; *_, msg = client.predict(api_name='/training'); check(what, msg); counts['ok'] = counts.get('ok', 0) + 1
            else: # what gradio_client would never send: wrong arity, wrong JSON types, NaN literals
                data = rng.choice([[], [None] * 7, ['a red circle'] * 7, [{'x': 1}] * 7, ['a red circle', 'nan', 'inf', '-1e999', None, [], {}],
                                   ['a red circle', math.nan, math.inf, -math.inf, math.nan, math.nan, math.nan], [rand_string(rng)] + [1] * 12])
                what = f'http generate {str(data)[:80]}'
                http('generate', data, what)
        except AppError as e: # refused with a message (a slider's bounds, gr.Error): fine, if it says why
            counts['refused'] = counts.get('refused', 0) + 1
            m = str(e); msgs.add(m[:150])
            if not m.strip() or m.strip() in ('None', 'Error') or 'upstream Gradio app has raised an exception' in m or 'Traceback' in m: bad.append(f'{what}: an unhandled error ({m[:200]!r})')
        except Exception as e: bad.append(f'{what}: {type(e).__name__}: {str(e)[:300]}')
    print(f'{len(msgs)} distinct refusal messages, e.g.:', *sorted(msgs)[:6], sep='\n  ')
    print(f'fuzz: {i + 1} calls in {time.time() - t0:.1f} s: {counts}')
    gallery, msg = client.predict('a small red circle in the top left', 2, 1.0, 0, 1.0, 4, 0, api_name='/generate')
    assert len(gallery) == 2, msg # still serving
    server_log = Path(log).read_text(errors='replace')
    # Gradio's own refusal of a call with too few inputs (before any code of ours runs) logs a traceback: not counted
    # and Gradio prints one for each refusal with a message (gradio.exceptions.Error): those are answers, not failures
    tracebacks = [t for t in server_log.split('Traceback (most recent call last)')[1:]
                  if "didn't receive enough input values" not in t and 'gradio.exceptions.Error: ' not in t]
    if tracebacks: bad.append(f'the server log has {len(tracebacks)} tracebacks, e.g.:\n' + tracebacks[0][-1500:])
    for b in bad: print('BAD', b.splitlines()[0][:250])
    assert not bad, '\n'.join(bad[:12])
