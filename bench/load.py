"""Load on the demo: `dalle_nb demo` on the bundled run (loopback only), N concurrent gradio_client clients sending
Generate requests for S seconds, then idle. Prints answered/refused counts, p50/p95 latency, and the server's RSS
(VmRSS of /proc/PID/status) over time; checks that it comes back within 20% of its idle level after the burst.

    .venv/bin/python bench/load.py --clients 8 --seconds 60
Not part of `make test`."""
import argparse, concurrent.futures as cf, shutil, sys, tempfile, threading, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parents[1]/'tests'))
from demo_server import BUNDLED, demo_server, rss_mb

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--clients', type=int, default=8)
    ap.add_argument('--seconds', type=float, default=60, help='length of the burst')
    ap.add_argument('--idle', type=float, default=20, help='seconds of idle after the burst before the last memory reading')
    ap.add_argument('--n', type=int, default=4, help='images a request asks for')
    ap.add_argument('--rerank', type=int, default=16, help='candidates a request draws')
    ap.add_argument('--request-timeout', type=float, default=120)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix='dalle_nb_load_'))
    run = tmp/'run'; shutil.copytree(BUNDLED, run)
    try:
        with demo_server(run, tmp/'server') as (url, pid, log):
            from gradio_client import Client
            Client(url, verbose=False, download_files=False).predict('a red circle', 1, 1.0, 0, 1.0, 1, 0, api_name='/generate') # warm
            time.sleep(3); idle = rss_mb(pid)
            samples, stop_sampling = [(0.0, idle)], threading.Event()
            t0 = time.time()
            def sampler():
                while not stop_sampling.wait(1.0): samples.append((time.time() - t0, rss_mb(pid)))
            threading.Thread(target=sampler, daemon=True).start()
            lat, refused, errors, lock = [], 0, [], threading.Lock()
            deadline = t0 + a.seconds
            def client(i):
                nonlocal refused
                c = Client(url, verbose=False, download_files=False)
                k = 0
                while time.time() < deadline:
                    s = time.time()
                    try:
                        job = c.submit(f'a small red circle in the top left {i}-{k}', a.n, 1.0, 0, 1.0, a.rerank, k, api_name='/generate')
                        gallery, _ = job.result(timeout=a.request_timeout)
                        with lock: lat.append(time.time() - s) if len(gallery) == a.n else errors.append('short gallery')
                    except Exception as e:
                        with lock:
                            if 'queue is full' in str(e).lower() or 'too many' in str(e).lower(): refused += 1
                            else: errors.append(f'{type(e).__name__}: {str(e)[:120]}')
                    k += 1
            with cf.ThreadPoolExecutor(a.clients) as ex: list(ex.map(client, range(a.clients)))
            burst = time.time() - t0
            peak = max(m for _, m in samples)
            time.sleep(a.idle)
            samples.append((time.time() - t0, rss_mb(pid))); stop_sampling.set()
            after = samples[-1][1]
    finally: shutil.rmtree(tmp, ignore_errors=True)
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float('nan')
    print(f'{a.clients} clients, {a.seconds:.0f} s burst (all answered after {burst:.1f} s), n={a.n}, rerank={a.rerank}')
    print(f'answered {len(lat)}, refused {refused}, errors {len(errors)}' + (f' (e.g. {errors[0]})' if errors else ''))
    print(f'latency p50 {q(0.5):.2f} s, p95 {q(0.95):.2f} s, max {lat[-1] if lat else float("nan"):.2f} s; throughput {len(lat) / burst:.2f} requests/s')
    step = max(1, len(samples) // 15)
    print('server RSS (s: MB): ' + ', '.join(f'{t:.0f}: {m:.0f}' for t, m in samples[::step] + samples[-1:]))
    ok = after <= 1.2 * idle
    print(f'RSS idle {idle:.0f} MB, peak {peak:.0f} MB, {a.idle:.0f} s after the burst {after:.0f} MB '
          f'({100 * (after / idle - 1):+.0f}% of idle): {"within" if ok else "NOT within"} 20%')
    return 0 if ok and not errors else 1

if __name__ == '__main__': sys.exit(main())
