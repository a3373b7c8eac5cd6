"""Small PyTorch programs, each written once against a library ``T`` (``torch`` or ``autograd``), and PyTorch's results.

Each scenario is PyTorch code with ``torch`` replaced by ``T``; it returns
plain numbers (lists), or raises.  :data:`EXPECTED` holds what PyTorch 2.13
gives in float64 (``torch.set_default_dtype(torch.float64)``), recorded from
torch and checked against it by ``test_pytorch.py`` whenever torch is
installed; the layergrad test always runs.  A raising scenario expects the
exception type and a fragment both libraries' messages contain.
"""

import math

import numpy as np


def run(T, fn):
    """``fn(T)``'s result as ``("ok", value)``, or ``("err", exception type name, message)``."""
    try:
        return ("ok", fn(T))
    except Exception as e:
        return ("err", type(e).__name__, str(e))


def arr(x):
    """A tensor (of either library), array or number as nested lists; None stays None."""
    if x is None:
        return None
    if hasattr(x, "detach"):
        x = x.detach().numpy()
    return np.asarray(x).tolist()


def g(t):
    """A tensor's gradient as nested lists."""
    return arr(t.grad)


S = {}  # name -> scenario


def sc(f):
    """Register a scenario."""
    S[f.__name__] = f
    return f


@sc
def sgd_update_in_no_grad(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with T.no_grad():
        w -= 0.1 * w.grad
    return arr(w)


@sc
def leaf_inplace_with_grad(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    w -= 1.0
    return arr(w)


@sc
def leaf_add_with_grad(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    w.add_(1.0)


@sc
def backward_after_step(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)  # PyTorch frees the graph otherwise; layergrad keeps it
    with T.no_grad():
        w.sub_(0.1 * w.grad)
    loss.backward()
    return g(w)


@sc
def backward_after_step_sum_only(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * 3.0).sum()
    loss.backward(retain_graph=True)
    with T.no_grad():
        w.sub_(0.1)
    loss.backward()
    return g(w)


@sc
def nonleaf_mul_inplace(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = T.tensor([2.0, 2.0, 2.0], requires_grad=True)
    h = x * 1.0
    h.mul_(w)
    (h * h).sum().backward()
    return g(x), g(w), arr(h)


@sc
def nonleaf_exp_then_add(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()


@sc
def nonleaf_iadd_tensor(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    b = T.tensor([0.5, 0.5], requires_grad=True)
    h = x * 2.0
    h += b
    (h * h).sum().backward()
    return g(x), g(b)


@sc
def setitem_on_nonleaf(T):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = T.tensor(5.0, requires_grad=True)
    h = x * 2.0
    h[1] = v * 3.0
    (h * h).sum().backward()
    return arr(h), g(x), g(v)


@sc
def setitem_buffer_from_grad(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    buf = T.zeros(3)
    buf[0:2] = w * w
    buf[2] = 7.0
    (buf * T.tensor([1.0, 2.0, 3.0])).sum().backward()
    return arr(buf), g(w)


@sc
def slice_iadd_buffer(T):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    buf = T.zeros(3)
    buf[1:] += w * 3.0
    (buf * buf).sum().backward()
    return arr(buf), g(w)


@sc
def view_inplace_propagates(T):
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = T.tensor(3.0, requires_grad=True)
    h = x * 1.0
    row = h[0]
    row.mul_(w)
    (h * h).sum().backward()
    return arr(h), g(x), g(w)


@sc
def transpose_view_inplace(T):
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = x * 1.0
    h.t().add_(T.tensor([[10.0, 20.0], [30.0, 40.0]]))
    (h * h).sum().backward()
    return arr(h), g(x)


@sc
def view_of_leaf_inplace(T):
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x[0].add_(1.0)


@sc
def backward_not_requiring(T):
    T.tensor([1.0, 2.0]).sum().backward()


@sc
def backward_under_no_grad(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    with T.no_grad():
        y = (x * 2).sum()
    y.backward()


@sc
def inplace_shape_mismatch(T):
    x = T.ones(3)
    x += T.ones(2, 3)


@sc
def inplace_int_float(T):
    x = T.ones(3, dtype=T.int64)
    x += 1.5


@sc
def int_requires_grad(T):
    T.ones(3, dtype=T.int64).requires_grad_()


@sc
def zero_fill_copy_clamp(T):
    x = T.tensor([-2.0, 0.5, 3.0])
    a = arr(x.clone().zero_())
    b = arr(x.clone().fill_(7))
    c = arr(T.zeros(2, 3).copy_(T.tensor([1.0, 2.0, 3.0])))
    d = arr(x.clone().clamp_(min=0))
    e = arr(x.clone().clamp_(-1, 1))
    f = arr(x.clone().clamp_(max=0))
    return a, b, c, d, e, f


@sc
def grad_through_clamp_fill(T):
    x = T.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    h = x * 2.0
    h.clamp_(-1.0, 4.0)
    h.sum().backward()
    return arr(h), g(x)


@sc
def transpose_2d(T):
    x = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    return (
        arr(x.transpose(0, 1)),
        arr(x.T),
        arr(x.t()),
        list(T.ones(2, 3, 4).mT.shape),
        list(T.ones(2, 3, 4).permute(2, 0, 1).shape),
        list(T.ones(2, 3, 4).transpose(0, 2).shape),
    )


@sc
def max_dim(T):
    x = T.tensor([[1.0, 5.0, 5.0], [3.0, 2.0, 0.0]], requires_grad=True)
    v, i = x.max(1)
    (v * T.tensor([1.0, 10.0])).sum().backward()
    m = x.min(dim=0, keepdim=True)
    return (
        arr(v),
        arr(i),
        g(x),
        arr(m.values),
        arr(m.indices),
        arr(x.max()),
        arr(x.argmax()),
        arr(x.argmax(1)),
        arr(x.argmin(0, keepdim=True)),
    )


@sc
def max_full_ties(T):
    x = T.tensor([[1.0, 5.0, 5.0]], requires_grad=True)
    x.max().backward()
    y = T.tensor([[1.0, 5.0, 5.0]], requires_grad=True)
    y.amax(1).sum().backward()
    return g(x), g(y)


@sc
def var_std(T):
    x = T.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]], requires_grad=True)
    out = [
        arr(x.var()),
        arr(x.std()),
        arr(x.var(0)),
        arr(x.var(1, keepdim=True)),
        arr(x.var(unbiased=False)),
        arr(x.var(1, correction=0)),
        arr(x.std(dim=1, correction=2)),
        arr(x.var(1, True, True)),
        arr(x.std(False)),
    ]
    x.std(1).sum().backward()
    out.append(g(x))
    out.append(arr(T.tensor([3.0]).var()))
    return out


@sc
def squeeze_flatten(T):
    x = T.ones(2, 1, 3, 4)
    return [
        list(x.squeeze(0).shape),
        list(x.squeeze(1).shape),
        list(x.squeeze().shape),
        list(x.flatten().shape),
        list(x.flatten(1).shape),
        list(x.flatten(1, 2).shape),
        list(x.flatten(-2).shape),
        list(T.tensor(3.0).flatten().shape),
    ]


@sc
def comparisons(T):
    x = T.tensor([1.0, 2.0, 3.0])
    y = T.tensor([3.0, 2.0, 1.0])
    m = x > 1.5
    return [
        arr(m),
        str(m.dtype).split(".")[-1],
        arr(m.float()),
        str(m.float().dtype).split(".")[-1],
        arr(m.sum()),
        m.sum().item(),
        (x == y).any().item(),
        (x == y).all().item(),
        (x <= y).long().tolist(),
        arr(x[m]),
        ((x > 1) & (y > 1)).tolist(),
        (~(x > 1)).tolist(),
        bool(x.sum() > 5),
        arr((x != 2).float().mean()),
    ]


@sc
def bool_multi_ambiguous(T):
    bool(T.tensor([1.0, 2.0]) > 0)


@sc
def dims_keywords(T):
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]])
    return [
        arr(x.sum(dim=1)),
        arr(x.sum(1, keepdim=True)),
        arr(x.mean(dim=(0, 1))),
        arr(x.sum(axis=0)),
        x.size(),
        x.size(1),
        x.numel(),
        x.dim(),
        x.ndim,
        arr(x.softmax(dim=1)),
        arr(x.log_softmax(1)),
        arr(x.logsumexp(1)),
        arr(x.prod(1)),
        arr(x.cumsum(0)),
        arr(x.cumsum(dim=1)),
        arr(x.norm()),
        arr(x.norm(dim=1)),
        arr(x.norm(1)),
        arr(x.sum(dim=())),
    ]


@sc
def math_ops(T):
    x = T.tensor([[0.5, -1.5], [2.5, 3.0]], requires_grad=True)
    y = (
        (x.pow(2) + x.sin() * x.cos() + x.square() + x.clamp(min=0) + x.clamp(max=1) + x.clamp(-1, 1) + x % 2).sum()
        + x.prod()
        + x.cumsum(1).sum()
        + x.norm()
    )
    y.backward()
    return arr(y), g(x), arr(x // 2), arr(x % 2), arr(-3.5 % T.tensor([2.0, -2.0])), arr(7 // T.tensor([2.0, -2.0]))


@sc
def floordiv_backward(T):
    x = T.tensor([3.5], requires_grad=True)
    (x * 2 + x // 2).sum().backward()


@sc
def shapes_ops(T):
    x = T.arange(24.0).reshape(2, 3, 4)
    a = x.view(6, 4)
    b = x.view(-1)
    c = T.tensor([[1.0], [2.0]]).expand(2, 3)
    d = T.tensor([[1.0], [2.0]]).expand(3, -1, 2)
    e = T.tensor([1.0, 2.0]).repeat(2, 2)
    f = [arr(p) for p in T.arange(5.0).split(2)]
    h = [arr(p) for p in T.arange(6.0).chunk(4)]
    i = [list(p.shape) for p in x.split([1, 2], dim=1)]
    j = list(x.unsqueeze(1).shape)
    k = list(x.unsqueeze(-1).shape)
    return [list(a.shape), list(b.shape), arr(c), list(d.shape), arr(e), f, h, i, j, k]


@sc
def view_noncontig(T):
    T.arange(6.0).view(2, 3).t().view(-1)


@sc
def shape_grads(T):
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    idx = T.tensor([[1], [0]])
    y = (
        (x.expand(3, 2, 2) * T.arange(12.0).reshape(3, 2, 2)).sum()
        + (x.repeat(2, 3) ** 2).sum()
        + (x.gather(1, idx) * 5).sum()
        + x.index_select(0, T.tensor([1, 1, 0])).sum()
        + x.masked_fill(x > 2, 0.0).sum()
        + x.t().reshape(-1)[1] * 7
    )
    y.backward()
    return (
        arr(y),
        g(x),
        arr(x.gather(1, idx)),
        arr(x.index_select(1, T.tensor([1, 0]))),
        arr(x.masked_fill(x > 2, -1.0)),
    )


@sc
def creation(T):
    out = [
        arr(T.zeros(2, 3)),
        arr(T.ones(2)),
        arr(T.full((2,), 7.0)),
        arr(T.arange(5)),
        str(T.arange(5).dtype).split(".")[-1],
        arr(T.arange(1, 2, 0.25)),
        arr(T.linspace(0, 1, 5)),
        arr(T.eye(2)),
        arr(T.eye(2, 3)),
        list(T.empty(2, 3).shape),
        arr(T.zeros_like(T.ones(2))),
        arr(T.ones_like(T.ones(2))),
        arr(T.full_like(T.ones(2), 3.0)),
        str(T.full((1,), 7).dtype).split(".")[-1],
        str(T.tensor([1.5]).float().dtype).split(".")[-1],
        str(T.tensor([1.5]).long().dtype).split(".")[-1],
        arr(T.tensor([1.7, -1.7]).long()),
        str(T.tensor([1.5], dtype=T.float64).to(T.float32).dtype).split(".")[-1],
        list(T.randn(2, 3).shape),
        list(T.rand(4).shape),
        list(T.randint(0, 5, (3,)).shape),
        str(T.randint(5, (3,)).dtype).split(".")[-1],
    ]
    a = np.arange(3)
    t = T.from_numpy(a)
    t += 1
    out.append(a.tolist())
    s = np.array([1.0, 2.0])
    c = T.tensor(s)
    s[0] = 100
    out.append(arr(c))
    return out


@sc
def casts_grad(T):
    x = T.tensor([1.5, 2.5], dtype=T.float64, requires_grad=True)
    y = (x.float() * 2).double().sum()
    y.backward()
    return arr(y), g(x), str(x.grad.dtype).split(".")[-1]


@sc
def clone_detach(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    d = x.detach()
    (c * c).sum().backward()
    return g(x), d.requires_grad, c.requires_grad, c.is_leaf, d.is_leaf


@sc
def module_functions(T):
    x = T.tensor([[1.0, -2.0], [3.0, 0.5]])
    return [
        arr(T.exp(x)),
        arr(T.sum(x, dim=1)),
        arr(T.mean(x)),
        arr(T.cat([x, x], dim=1)),
        arr(T.stack([x, x], dim=0).sum(0)),
        arr(T.where(x > 0, x, T.zeros_like(x))),
        arr(T.matmul(x, x)),
        arr(T.softmax(x, dim=1)),
        arr(T.log_softmax(x, dim=0)),
        arr(T.clamp(x, min=0)),
        arr(T.mm(x, x)),
        arr(T.bmm(x.unsqueeze(0), x.unsqueeze(0))),
        arr(T.max(x)),
        arr(T.max(x, 1).values),
        arr(T.sqrt(T.abs(x))),
        arr(T.sin(x)),
        arr(T.cos(x)),
        arr(T.pow(x, 2)),
        arr(T.square(x)),
        arr(T.argmax(x, dim=1)),
        arr(T.maximum(x, T.zeros_like(x))),
        arr(T.var(x)),
        arr(T.std(x, dim=0)),
        arr(T.flatten(x)),
        arr(T.transpose(x, 0, 1)),
        arr(T.permute(x, (1, 0))),
        arr(T.squeeze(T.unsqueeze(x, 0))),
        T.numel(x),
        T.is_tensor(x),
        T.allclose(x, x + 1e-12),
    ]


@sc
def rebase_then_use(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.mul_(2.0)
    z = y * 3.0
    z.sum().backward()
    return g(x)


# fmt: off
EXPECTED = {'backward_after_step': ('raises', 'RuntimeError',
                         'one of the variables needed for gradient computation has been modified by an inplace '
                         'operation'),
 'backward_after_step_sum_only': [6.0, 6.0],
 'backward_not_requiring': ('raises', 'RuntimeError',
                            'element 0 of tensors does not require grad and does not have a grad_fn'),
 'backward_under_no_grad': ('raises', 'RuntimeError',
                            'element 0 of tensors does not require grad and does not have a grad_fn'),
 'bool_multi_ambiguous': ('raises', 'RuntimeError', 'Boolean value of Tensor with more than one value is ambiguous'),
 'casts_grad': [8.0, [2.0, 2.0], 'float64'],
 'clone_detach': [[2.0, 4.0], False, True, False, True],
 'comparisons': [[False, True, True], 'bool', [0.0, 1.0, 1.0], 'float32', 2, 2, True, False, [1, 1, 0], [2.0, 3.0],
                 [False, True, False], [True, False, False], True, 0.6666666865348816],
 'creation': [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [1.0, 1.0], [7.0, 7.0], [0, 1, 2, 3, 4], 'int64',
              [1.0, 1.25, 1.5, 1.75], [0.0, 0.25, 0.5, 0.75, 1.0], [[1.0, 0.0], [0.0, 1.0]],
              [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], [2, 3], [0.0, 0.0], [1.0, 1.0], [3.0, 3.0], 'int64', 'float32',
              'int64', [1, -1], 'float32', [2, 3], [4], [3], 'int64', [1, 2, 3], [1.0, 2.0]],
 'dims_keywords': [[3.0, 7.0], [[3.0], [7.0]], 2.5, [4.0, 6.0], [2, 2], 2, 4, 2, 2,
                   [[0.26894142136999516, 0.7310585786300049], [0.26894142136999516, 0.7310585786300049]],
                   [[-1.3132616875182228, -0.31326168751822286], [-1.3132616875182228, -0.31326168751822286]],
                   [2.313261687518223, 4.313261687518223], [2.0, 12.0], [[1.0, 2.0], [4.0, 6.0]],
                   [[1.0, 3.0], [3.0, 7.0]], 5.477225575051661, [2.23606797749979, 5.0], 10.0, 10.0],
 'floordiv_backward': ('raises', 'RuntimeError', 'floor_divide is not implemented'),
 'grad_through_clamp_fill': [[-1.0, 1.0, 4.0], [0.0, 2.0, 0.0]],
 'inplace_int_float': ('raises', 'RuntimeError', "can't be cast to the desired output type"),
 'inplace_shape_mismatch': ('raises', 'RuntimeError',
                            "output with shape [3] doesn't match the broadcast shape [2, 3]"),
 'int_requires_grad': ('raises', 'RuntimeError', 'only Tensors of floating point dtype can require gradients'),
 'leaf_add_with_grad': ('raises', 'RuntimeError',
                        'a leaf Variable that requires grad is being used in an in-place operation.'),
 'leaf_inplace_with_grad': ('raises', 'RuntimeError',
                            'a leaf Variable that requires grad is being used in an in-place operation.'),
 'math_ops': [52.319080488531164,
              [[-2.591019528312474, -0.5960269940586009], [12.627053014560154, 14.797239281566677]],
              [[0.0, -1.0], [1.0, 1.0]], [[0.5, 0.5], [0.5, 1.0]], [0.5, -1.5], [3.0, -4.0]],
 'max_dim': [[5.0, 3.0], [1, 0], [[0.0, 1.0, 0.0], [10.0, 0.0, 0.0]], [[1.0, 2.0, 0.0]], [[0, 1, 1]], 5.0, 1, [1, 0],
             [[0, 1, 1]]],
 'max_full_ties': [[[0.0, 0.5, 0.5]], [[0.0, 0.5, 0.5]]],
 'module_functions': [[[2.718281828459045, 0.1353352832366127], [20.085536923187668, 1.6487212707001282]],
                      [-1.0, 3.5], 0.625, [[1.0, -2.0, 1.0, -2.0], [3.0, 0.5, 3.0, 0.5]], [[2.0, -4.0], [6.0, 1.0]],
                      [[1.0, 0.0], [3.0, 0.5]], [[-5.0, -3.0], [4.5, -5.75]],
                      [[0.9525741268224334, 0.04742587317756679], [0.9241418199787566, 0.07585818002124356]],
                      [[-2.1269280110429727, -2.5788897342925496], [-0.1269280110429726, -0.07888973429254957]],
                      [[1.0, 0.0], [3.0, 0.5]], [[-5.0, -3.0], [4.5, -5.75]], [[[-5.0, -3.0], [4.5, -5.75]]], 3.0,
                      [1.0, 3.0], [[1.0, 1.414213562373095], [1.7320508075688772, 0.7071067811865475]],
                      [[0.8414709848078965, -0.9092974268256817], [0.1411200080598672, 0.479425538604203]],
                      [[0.5403023058681398, -0.4161468365471424], [-0.9899924966004454, 0.8775825618903728]],
                      [[1.0, 4.0], [9.0, 0.25]], [[1.0, 4.0], [9.0, 0.25]], [0, 0], [[1.0, 0.0], [3.0, 0.5]],
                      4.229166666666667, [1.4142135623730951, 1.7677669529663689], [1.0, -2.0, 3.0, 0.5],
                      [[1.0, 3.0], [-2.0, 0.5]], [[1.0, 3.0], [-2.0, 0.5]], [[1.0, -2.0], [3.0, 0.5]], 4, True,
                      True],
 'nonleaf_exp_then_add': ('raises', 'RuntimeError',
                          'one of the variables needed for gradient computation has been modified by an inplace '
                          'operation'),
 'nonleaf_iadd_tensor': [[10.0, 18.0], [5.0, 9.0]],
 'nonleaf_mul_inplace': [[8.0, 16.0, 24.0], [4.0, 16.0, 36.0], [2.0, 4.0, 6.0]],
 'rebase_then_use': [6.0, 6.0],
 'setitem_buffer_from_grad': [[1.0, 4.0, 7.0], [2.0, 8.0]],
 'setitem_on_nonleaf': [[2.0, 15.0, 6.0], [8.0, 0.0, 24.0], 90.0],
 'sgd_update_in_no_grad': [0.8, 1.6],
 'shape_grads': [426.0, [[26.0, 46.0], [68.0, 71.0]], [[2.0], [3.0]], [[2.0, 1.0], [4.0, 3.0]],
                 [[1.0, 2.0], [-1.0, -1.0]]],
 'shapes_ops': [[6, 4], [24], [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]], [3, 2, 2],
                [[1.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 2.0]], [[0.0, 1.0], [2.0, 3.0], [4.0]],
                [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [[2, 1, 4], [2, 2, 4]], [2, 1, 3, 4], [2, 3, 4, 1]],
 'slice_iadd_buffer': [[0.0, 3.0, 6.0], [18.0, 36.0]],
 'squeeze_flatten': [[2, 1, 3, 4], [2, 3, 4], [2, 3, 4], [24], [2, 12], [2, 3, 4], [2, 1, 12], [1]],
 'transpose_2d': [[[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]], [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]],
                  [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]], [2, 4, 3], [4, 2, 3], [4, 3, 2]],
 'transpose_view_inplace': [[[11.0, 32.0], [23.0, 44.0]], [[22.0, 64.0], [46.0, 88.0]]],
 'var_std': [8.0, 2.8284271247461903, [2.0, 4.5, 12.5], [[2.333333333333333], [9.333333333333332]], 6.666666666666667,
             [1.5555555555555554, 6.222222222222221], [2.1602468994692865, 4.320493798938573],
             [[2.333333333333333], [9.333333333333332]], 2.581988897471611,
             [[-0.43643578047198484, -0.10910894511799625, 0.5455447255899809],
              [-0.43643578047198484, -0.10910894511799625, 0.5455447255899809]],
             math.nan],
 'view_inplace_propagates': [[[3.0, 6.0], [3.0, 4.0]], [[18.0, 36.0], [6.0, 8.0]], 30.0],
 'view_noncontig': ('raises', 'RuntimeError', "view size is not compatible with input tensor's size and stride"),
 'view_of_leaf_inplace': ('raises', 'RuntimeError',
                          'a view of a leaf Variable that requires grad is being used in an in-place operation.'),
 'zero_fill_copy_clamp': [[0.0, 0.0, 0.0], [7.0, 7.0, 7.0], [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], [0.0, 0.5, 3.0],
                          [-1.0, 0.5, 1.0], [-2.0, 0.0, 0.0]]}
# fmt: on
