"""Forward+backward time and peak memory of one attention layer (the attention op alone: q, k, v with
requires_grad, forward, backward): `dalle_nb.attention.attend(impl='sparse')` vs dense masked attention
(`attend(impl='dense')`: SDPA with the kind's boolean mask) vs plain causal SDPA (`is_causal=True`).

Run:  .venv/bin/python bench/attention.py [--repeats 7] [--threads N] [--shapes paper tiny]
      .venv/bin/python bench/attention.py --train [--threads 2]

`--train` times whole training updates of the prior at the benchmarks' reference shape (256 wide, 4 heads) and of the
quickstart's tiny preset (64 wide, 2 heads of 32), batch 32, L = 96, AdamW, fp32 and under bf16 autocast,
with the masked attention that `attend` runs there (`dense_attention`: scores, fp32 softmax, weighted sum) against
the same model calling `scaled_dot_product_attention` with the boolean mask, alternating in one process.

Every figure comes from a fresh subprocess per (shape, variant, kind):
- time: one warm-up pass, then `repeats` timed passes; the median (and min) is reported.
- peak RSS: a second fresh process with MALLOC_MMAP_THRESHOLD_=65536 (so glibc returns freed blocks and RSS
  follows live memory); q, k, v, the output gradient and the mask are allocated and the op warmed up on a toy
  shape, the kernel's peak-RSS counter is reset (/proc/self/clear_refs; ru_maxrss if that is not allowed), one
  pass runs, and the peak minus the RSS before it is reported.
- peak tensor memory: in the same process, PyTorch's profiler records every CPU tensor allocation and free
  of one more pass; the peak of live bytes is reported (deterministic; the input gradients and output included).
"""
import argparse, itertools, json, os, resource, statistics, subprocess, sys, time

SHAPES = {  # B batch, H heads, T text tokens, G grid (G×G image tokens), D head dim
    'paper': dict(B=1, H=8, T=256, G=32, D=64),
    'tiny': dict(B=8, H=4, T=32, G=8, D=64),
}
KINDS = ('row', 'column', 'conv')

def _rss():
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')

def _reset_peak():
    try:
        with open('/proc/self/clear_refs', 'w') as f: f.write('5')
        return True
    except OSError: return False

def _peak_rss(reset_ok):
    if reset_ok:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'): return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def _peak_tensor_bytes(fn):
    import torch
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof: fn()
    events = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == '[memory]'), key=lambda e: e.start_ns())
    cur = peak = 0
    for e in events: cur += e.nbytes(); peak = max(peak, cur)
    return peak

def one(shape, variant, kind, what, repeats, threads):
    "Measure one (shape, variant, kind) in this process; print a JSON line."
    import torch
    from dalle_nb.masks import attention_mask
    from dalle_nb.attention import attend
    if threads: torch.set_num_threads(threads)
    def op(q, k, v, T, G):
        if variant == 'causal': return torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
        return attend(q, k, v, kind, T, G, impl=variant)
    def inputs(B, H, T, G, D):
        q, k, v = (torch.randn(B, H, T + G * G, D, requires_grad=True) for _ in range(3))
        if variant == 'dense': attention_mask(kind, T, G)          # the mask, cached by `attend`, counts as input
        return q, k, v, torch.randn(B, H, T + G * G, D)
    def step(q, k, v, g, T, G):
        for t in (q, k, v): t.grad = None
        op(q, k, v, T, G).backward(g)
    torch.manual_seed(0)
    step(*inputs(2, 2, 4, 3, 8), 4, 3)                            # toy warm-up: lazy inits, thread pools
    s = SHAPES[shape]
    q, k, v, g = inputs(**s)
    if what == 'memory':
        from dalle_nb.masks import _cached_mask
        if variant == 'dense': _cached_mask(kind, s['T'], s['G'], 11)
        base = _rss(); reset_ok = _reset_peak()
        step(q, k, v, g, s['T'], s['G'])
        rss = _peak_rss(reset_ok) - base
        tensor = _peak_tensor_bytes(lambda: step(q, k, v, g, s['T'], s['G']))
        res = dict(rss_mb=max(rss, 0) / 2**20, tensor_mb=tensor / 2**20, rss_source='VmHWM' if reset_ok else 'ru_maxrss')
    else:
        times = []
        for i in range(repeats + 1):
            t0 = time.perf_counter(); step(q, k, v, g, s['T'], s['G'])
            if i: times.append(time.perf_counter() - t0)           # the first pass is a warm-up
        res = dict(ms=statistics.median(times) * 1e3, ms_min=min(times) * 1e3, threads=torch.get_num_threads())
    print(json.dumps(res))

def run(shape, variant, kind, what, a):
    cmd = [sys.executable, os.path.abspath(__file__), '--one', shape, variant, kind, what, '--repeats', str(a.repeats)]
    if a.threads: cmd += ['--threads', str(a.threads)]
    env = dict(os.environ, **({'MALLOC_MMAP_THRESHOLD_': '65536'} if what == 'memory' else {}))
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode: raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])

def measure(shape, variant, kind, a):
    return {**run(shape, variant, kind, 'time', a), **run(shape, variant, kind, 'memory', a)}

def train_updates(a, rounds=6, steps=8):
    "Median ms per prior update (batch 32, L = 96) at two widths, `dense_attention` vs SDPA with the same mask, alternating."
    import torch, torch.nn.functional as F
    import dalle_nb.attention as M
    from dalle_nb.prior import Prior, PriorConfig
    from dalle_nb.train_prior import prior_loss
    if a.threads: torch.set_num_threads(a.threads)
    ours = M.dense_attention
    sdpa = lambda q, k, v, mask: F.scaled_dot_product_attention(q, k, v, attn_mask=mask.to(q.device))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; prior, batch 32, L 96: "
          f"{rounds} rounds of {steps} updates per variant, alternating (median ms per update)")
    for shape, amp in itertools.product((dict(dim=256, heads=4, head_dim=64), {}), (False, True)):
        cfg = PriorConfig.preset('tiny', text_vocab=1000, **shape)
        torch.manual_seed(0)
        text, image = torch.randint(1, 1000, (32, cfg.text_len)), torch.randint(0, cfg.image_vocab, (32, cfg.grid ** 2))
        times, losses = {'dense_attention': [], 'sdpa': []}, {}
        for r in range(rounds):
            for name, f in (('dense_attention', ours), ('sdpa', sdpa)):
                M.dense_attention = f
                torch.manual_seed(0); model = Prior(cfg); opt = torch.optim.AdamW(model.parameters(), 1e-3, fused=True)
                for i in range(steps + 1):
                    t0 = time.perf_counter()
                    with torch.autocast('cpu', torch.bfloat16, enabled=amp): loss = prior_loss(model, text, image)['loss']
                    loss.backward(); opt.step(); opt.zero_grad()
                    if i: times[name].append(time.perf_counter() - t0) # the first update is a warm-up
                losses[name] = loss.item()
        M.dense_attention = ours
        o, s_ = (statistics.median(times[n]) * 1e3 for n in ('dense_attention', 'sdpa'))
        print(f"{cfg.dim} wide, {'bf16 autocast' if amp else 'fp32':14s} dense_attention {o:6.1f} ms   SDPA {s_:6.1f} ms   SDPA/ours {s_ / o:4.2f}×   "
              f"loss after {steps} updates {losses['dense_attention']:.4f} / {losses['sdpa']:.4f}", flush=True)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--repeats', type=int, default=7, help='timed passes per variant (median reported)')
    ap.add_argument('--threads', type=int, default=0, help='torch threads (default: torch\'s own default)')
    ap.add_argument('--shapes', nargs='+', default=list(SHAPES), choices=list(SHAPES))
    ap.add_argument('--train', action='store_true', help='time prior training updates at two widths instead (see above)')
    ap.add_argument('--one', nargs=4, metavar=('SHAPE', 'VARIANT', 'KIND', 'WHAT'), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one: return one(*a.one, a.repeats, a.threads)
    if a.train: return train_updates(a)
    import torch
    from dalle_nb.attention import sparse_pays
    print(f"torch {torch.__version__}, {a.threads or torch.get_num_threads()} threads, {os.cpu_count()} CPUs; fp32, "
          f"forward+backward of the attention op; {a.repeats} timed passes (median), every variant in fresh processes")
    for shape in a.shapes:
        s = SHAPES[shape]
        print(f"\n{shape}: batch {s['B']}, {s['H']} heads, head dim {s['D']}, text {s['T']} + {s['G']}×{s['G']} image "
              f"tokens = L {s['T'] + s['G']**2}")
        causal = measure(shape, 'causal', 'row', a)
        hdr = (f"{'kind':7s} {'auto→':>7s} | {'sparse':>7s} {'dense':>7s} {'causal':>7s} ms | {'dense/sparse':>12s} "
               f"{'causal/sparse':>13s} | tensor MB {'sparse':>6s} {'dense':>6s} {'causal':>6s} {'d/s':>5s} | "
               f"RSS MB {'sparse':>6s} {'dense':>6s} {'causal':>6s} {'d/s':>5s}")
        print(hdr); print('-' * len(hdr))
        for kind in KINDS:
            sp, de = measure(shape, 'sparse', kind, a), measure(shape, 'dense', kind, a)
            auto = 'sparse' if sparse_pays(kind, s['T'], s['G']) else 'dense'
            print(f"{kind:7s} {auto:>7s} | {sp['ms']:7.1f} {de['ms']:7.1f} {causal['ms']:7.1f}    | {de['ms'] / sp['ms']:11.2f}× "
                  f"{causal['ms'] / sp['ms']:12.2f}× |           {sp['tensor_mb']:6.1f} {de['tensor_mb']:6.1f} "
                  f"{causal['tensor_mb']:6.1f} {de['tensor_mb'] / sp['tensor_mb']:4.2f}× |        {sp['rss_mb']:6.1f} "
                  f"{de['rss_mb']:6.1f} {causal['rss_mb']:6.1f} {de['rss_mb'] / max(sp['rss_mb'], 1e-9):4.2f}×", flush=True)
        print(f"(auto→ = what attend(impl='auto') runs; dense = SDPA with the kind's boolean mask; causal = SDPA "
              f"is_causal=True, the same for every kind; RSS peak from {causal['rss_source']})")

if __name__ == '__main__': main()
