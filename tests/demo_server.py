"Start `dalle_nb demo RUN` in a subprocess on a free loopback port (for tests/test_app.py, tests/test_demo_fuzz.py and bench/load.py)."
import os, re, shutil, socket, subprocess, sys, time
from contextlib import contextmanager
from pathlib import Path

EXE = shutil.which('dalle_nb') or str(Path(sys.executable).parent/'dalle_nb')
BUNDLED = Path(__file__).parents[1]/'data'/'pretrained'/'shapes'

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def rss_mb(pid:int) -> float:
    "Resident memory of process `pid`, MB (VmRSS of /proc/PID/status)."
    return int(re.search(r'VmRSS:\s+(\d+)', Path(f'/proc/{pid}/status').read_text()).group(1)) / 1024

@contextmanager
def demo_server(run:Path, tmp:Path, *args, timeout:float=90):
    "Yields (url without a trailing slash, server pid, log path); the server is stopped on exit. Fails with the log's tail if it does not start."
    tmp = Path(tmp); tmp.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS='1', GRADIO_ANALYTICS_ENABLED='False', GRADIO_TEMP_DIR=str(tmp/'gradio'),
               NO_PROXY='127.0.0.1,localhost', no_proxy='127.0.0.1,localhost')
    log_path = tmp/'server.log'; log = open(log_path, 'w+')
    p = subprocess.Popen([EXE, 'demo', str(run), '--port', str(free_port()), *args], stdout=log, stderr=subprocess.STDOUT, env=env, text=True)
    url, t0 = None, time.time()
    try:
        while time.time() - t0 < timeout and url is None:
            if p.poll() is not None: break
            time.sleep(0.5); log.seek(0)
            m = re.search(r'dalle_nb demo: (http://\S+)', log.read())
            url = m and m.group(1)
        if url is None: log.seek(0); raise RuntimeError(f'the demo did not start within {timeout:.0f} s:\n{log.read()[-3000:]}')
        print(f'demo at {url} (took {time.time() - t0:.1f} s)')
        yield url.rstrip('/'), p.pid, log_path
    finally:
        p.terminate()
        try: p.wait(10)
        except subprocess.TimeoutExpired: p.kill(); p.wait()
        log.close()
