"Careless and hostile input, each once: every probe gets one line and exit status 2 (or a warning), and nothing saved is lost."
import contextlib, io, json, os, pickle, shutil, socket, time
from pathlib import Path
import pytest
from PIL import Image
from dalle_nb.cli import main

BUNDLED = Path(__file__).parents[1]/'data'/'pretrained'/'shapes'

def cli(*argv) -> tuple[int, str]:
    "Run `dalle_nb ARGV` in this process: (exit status, stderr)."
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try: main([str(a) for a in argv]); code = 0
        except SystemExit as e: code = e.code
    return code, err.getvalue()

def one_line_error(code, err, *words):
    assert code == 2, (code, err)
    assert 'Traceback' not in err and len(err.strip().splitlines()) == 1, err
    for w in words: assert w in err, (w, err)

@pytest.fixture(scope='module')
def run(tmp_path_factory):
    "A copy of the bundled trained run that probes may damage."
    d = tmp_path_factory.mktemp('rel')/'run'; shutil.copytree(BUNDLED, d); return d

def test_sampling_arguments(run, tmp_path):
    for args, words in [(['--temperature', 'nan'], ['temperature']), (['--guidance', 'nan'], ['guidance']), (['--top-p', '7'], ['top-p']),
                        (['--top-k', '-3'], ['top-k']), (['--seed', str(2**64)], ['seed']), (['--rerank', '100000'], ['n must be'])]:
        one_line_error(*cli('sample', run, '--prompt', 'a small red circle in the top left', '--out', tmp_path/'s', *args), *words)
    assert not list((tmp_path/'s').glob('*.png'))

def test_sample_out_checked_before_drawing(run, tmp_path):
    (tmp_path/'file').write_text('x')
    t = time.time(); code, err = cli('sample', run, '--prompt', 'a small red circle in the top left', '--out', tmp_path/'file')
    one_line_error(code, err, 'is a file'); assert time.time() - t < 5
    if os.geteuid() != 0: # root writes anywhere
        ro = tmp_path/'ro'; ro.mkdir(); ro.chmod(0o500)
        one_line_error(*cli('sample', run, '--prompt', 'a red circle', '--out', ro/'out'), 'Permission')

def test_reconstruct_never_overwrites(run, tmp_path):
    imgs = tmp_path/'imgs'; imgs.mkdir()
    Image.new('RGB', (64, 64), (200, 10, 10)).save(imgs/'a.png'); before = (imgs/'a.png').read_bytes()
    one_line_error(*cli('reconstruct', run, '--images', imgs, '--out', imgs), 'overwrite the originals')
    assert (imgs/'a.png').read_bytes() == before
    one_line_error(*cli('reconstruct', run, '--images', imgs/'a.png', '--out', tmp_path/'r'), 'not a folder')

def test_damaged_weights_and_caches(run, tmp_path):
    bad = tmp_path/'bad'; shutil.copytree(run, bad)
    (bad/'prior'/'model.safetensors').write_bytes(b'')
    one_line_error(*cli('sample', bad, '--prompt', 'a red circle', '--out', tmp_path/'s'), 'model.safetensors')
    (bad/'prior'/'model.safetensors').write_bytes((run/'prior'/'model.safetensors').read_bytes()[:1000])
    one_line_error(*cli('sample', bad, '--prompt', 'a red circle', '--out', tmp_path/'s'), 'model.safetensors')

def test_resume_without_checkpoint(tmp_path):
    one_line_error(*cli('train-dvae', '--data', 'shapes', '--out', tmp_path/'r', '--steps', '2', '--resume'), 'nothing to resume')

def test_resume_never_unpickles(tmp_path):
    "A pickle planted in the newest checkpoint (it would create a file) is refused; resume falls back to the checkpoint before."
    out = tmp_path/'r'
    assert cli('train-dvae', '--data', 'shapes', '--out', out, '--steps', '4', '--batch-size', '4', '--checkpoint-every', '2', '--mixed-precision', 'no')[0] == 0
    class Planted:
        def __reduce__(self): return (os.system, (f'touch {tmp_path}/pwned',))
    newest = out/'dvae'/'checkpoints'/'step_0000004'
    for f in ('random_states_0.pkl', 'optimizer.bin'): (newest/f).write_bytes(pickle.dumps(Planted()))
    code, err = cli('train-dvae', '--data', 'shapes', '--out', out, '--steps', '6', '--batch-size', '4', '--checkpoint-every', '2', '--mixed-precision', 'no', '--resume')
    assert code == 0, err
    assert not (tmp_path/'pwned').exists()
    assert json.loads((out/'dvae'/'trained.json').read_text())['updates'] == 6

def test_demo_port_in_use_and_auth(run):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); s.listen(); port = s.getsockname()[1]
        one_line_error(*cli('demo', run, '--port', port))
    one_line_error(*cli('demo', run, '--auth', 'nocolon'), 'USER:PASSWORD')

def test_demo_beyond_loopback_warns(run):
    from dalle_nb.app import launch_demo
    with pytest.warns(UserWarning, match='beyond this machine'):
        demo, url = launch_demo(run, host='0.0.0.0', port=None, auth=('u', 'p'), block=False)
    try:
        import urllib.request, urllib.error
        for path in ('config', 'gradio_api/info'): # nothing but Gradio's login page before a password
            with pytest.raises(urllib.error.HTTPError) as e: urllib.request.urlopen(url.replace('0.0.0.0', '127.0.0.1') + path, timeout=30)
            assert e.value.code == 401
    finally: demo.close()

def test_demo_leaves_no_temp_files(run, tmp_path):
    "Stopped (SIGTERM, as a service manager stops it; Ctrl+C takes the same path) after serving images, the demo removes the temp folder it made for them."
    import signal, subprocess, re as _re
    from gradio_client import Client
    from demo_server import EXE, free_port
    env = {k: v for k, v in os.environ.items() if k != 'GRADIO_TEMP_DIR'} | dict(TMPDIR=str(tmp_path), OMP_NUM_THREADS='1', NO_PROXY='127.0.0.1')
    p = subprocess.Popen([EXE, 'demo', str(run), '--port', str(free_port())], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    try:
        line = ''
        for _ in range(200):
            line = p.stdout.readline()
            if 'dalle_nb demo:' in line or p.poll() is not None: break
        url = _re.search(r'(http://\S+)', line).group(1)
        Client(url, verbose=False).predict('a small red circle in the top left', 2, 0.5, 0, 2, 4, 0, api_name='/generate')
        assert list(tmp_path.glob('dalle_nb_gradio_*/**/*.png')) or list(tmp_path.glob('dalle_nb_gradio_*/*')), 'served images are written there'
        p.send_signal(signal.SIGTERM); p.wait(30)
    finally:
        if p.poll() is None: p.kill()
    assert not list(tmp_path.glob('dalle_nb_gradio_*')), list(tmp_path.iterdir())

def test_resume_past_a_truncated_checkpoint(tmp_path):
    "The newest checkpoint's weights cut short (a crash mid-write outside the rename): resume warns and goes on from the one before."
    out, args = tmp_path/'r', ['--data', 'shapes', '--batch-size', '4', '--checkpoint-every', '2', '--mixed-precision', 'no']
    assert cli('train-dvae', '--out', out, '--steps', '4', *args)[0] == 0
    f = out/'dvae'/'checkpoints'/'step_0000004'/'model.safetensors'; f.write_bytes(f.read_bytes()[:100])
    with pytest.warns(UserWarning, match='skipped step_0000004'):
        code, err = cli('train-dvae', '--out', out, '--steps', '6', *args, '--resume')
    assert code == 0, err
    assert json.loads((out/'dvae'/'trained.json').read_text())['updates'] == 6
