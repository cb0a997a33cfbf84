"CUDA checks, run by `bench/gpu.sh` on a machine with a GPU (`pytest -m cuda tests/`); skipped where CUDA is missing."
import pytest, torch
import torch.nn.functional as F
from dalle_nb.attention import attend
from dalle_nb.masks import attention_mask
from dalle_nb.prior import Prior, PriorConfig
from dalle_nb.train_prior import prior_loss

pytestmark = [pytest.mark.cuda, pytest.mark.skipif(not torch.cuda.is_available(), reason='no CUDA GPU here')]

@pytest.mark.parametrize('kind,impl', [('row', 'sparse'), ('column', 'sparse'), ('conv', 'sparse'), ('row', 'auto'), ('conv', 'auto'), ('dense', 'auto')])
@pytest.mark.parametrize('text_len,grid', [(32, 8), (256, 32)])
def test_attend_equals_dense_bf16(kind, impl, text_len, grid, device='cuda'):
    "`attend` in bf16 against fp32 masked SDPA on all L×L scores of the same inputs, forward and backward."
    torch.manual_seed(0)
    L = text_len + grid ** 2
    q, k, v = (torch.randn(2, 4, L, 64, device=device, dtype=torch.bfloat16, requires_grad=True) for _ in range(3))
    out = attend(q, k, v, kind, text_len, grid, 11, impl=impl)
    dout = torch.randn_like(out)
    grads = torch.autograd.grad(out, (q, k, v), dout)
    mask = attention_mask(kind, text_len, grid, 11).to(device)
    ref = F.scaled_dot_product_attention(q.float(), k.float(), v.float(), attn_mask=mask)
    ref_grads = torch.autograd.grad(ref, (q, k, v), dout.float())
    torch.testing.assert_close(out.float(), ref, atol=2e-2, rtol=2e-2)
    for g, r in zip(grads, ref_grads): torch.testing.assert_close(g.float(), r.float(), atol=5e-2, rtol=5e-2)

@pytest.mark.parametrize('checkpoint_blocks', [False, True])
def test_prior_update_cuda(checkpoint_blocks):
    "One AdamW update of the tiny prior on CUDA under bf16 autocast: a finite loss, and the weights move."
    torch.manual_seed(0)
    prior = Prior(PriorConfig.preset('tiny', text_vocab=400, checkpoint_blocks=checkpoint_blocks)).cuda().train()
    opt = torch.optim.AdamW(prior.parameters(), lr=1e-3)
    text, image = torch.randint(1, 400, (4, 32), device='cuda'), torch.randint(0, 512, (4, 64), device='cuda')
    before = [p.detach().clone() for p in prior.parameters()]
    with torch.autocast('cuda', dtype=torch.bfloat16): loss = prior_loss(prior, text, image)['loss']
    loss.backward(); opt.step()
    assert torch.isfinite(loss)
    assert all(not torch.equal(a, p) for a, p in zip(before, prior.parameters()))

def test_sample_cuda():
    "The bundled run draws images on CUDA: the right shape, in [0, 1]."
    from dalle_nb.sample import Run
    from dalle_nb.run import PRETRAINED
    run = Run(PRETRAINED, device='cuda')
    images, _ = run.sample('a large red circle in the center', n=2, seed=0)
    assert next(run.prior.parameters()).is_cuda and images.shape[0] == 2 and 0 <= images.min() and images.max() <= 1
