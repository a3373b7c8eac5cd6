"""Gradients of gradients: backward(create_graph=True), autograd.grad(outputs, inputs), the function transforms.

Values are checked against derivatives worked out by hand and against central
differences of first derivatives (random inputs and shapes, broadcasting
included); the comparison with PyTorch at the end runs only where torch is
installed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd import (
    GradcheckError,
    Tensor,
    Value,
    elementwise_grad,
    grad,
    gradgradcheck,
    hessian,
    hvp,
    jacobian,
    jvp,
    value_and_grad,
    vjp,
)
from tests.engines import Engine

EPS = 1e-6


# ---------------------------------------------------------------------------
# backward(create_graph=True)
# ---------------------------------------------------------------------------


def test_backward_create_graph_gives_a_gradient_graph_on_both_engines() -> None:
    x = Value(0.5)
    (x.tanh() * x).backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Value) and g.requires_grad and g.op is not None
    t = math.tanh(0.5)
    assert g.data == pytest.approx(t + 0.5 * (1 - t * t), rel=1e-15)
    x.zero_grad()
    g.backward()  # d/dx (tanh x + x (1 - tanh² x)) = 2 (1 - t²) - 2 x t (1 - t²)
    assert x.grad == pytest.approx(2 * (1 - t * t) - 2 * 0.5 * t * (1 - t * t), rel=1e-14)

    w = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    b = Tensor([0.25, -1.0], requires_grad=True)
    ((w * b) ** 3).sum().backward(create_graph=True)  # b broadcast over rows: dL/db sums them
    gw, gb = w.grad, b.grad
    assert isinstance(gw, Tensor) and isinstance(gb, Tensor) and gb.shape == (2,)
    np.testing.assert_allclose(gb.data, (3 * (w.data * b.data) ** 2 * w.data).sum(0), rtol=1e-14)
    (d2b,) = ag.grad(gb.sum(), b)  # d/db sum_i 3 w_i³ b² = 6 b sum_i w_i³
    np.testing.assert_allclose(d2b.data, 6 * b.data * (w.data**3).sum(0), rtol=1e-14)


def test_interior_grads_under_create_graph_only_when_retained() -> None:
    x = Tensor([2.0], requires_grad=True)
    y = x * x
    z = y * 3.0
    y.retain_grad()
    z.sum().backward(create_graph=True)
    assert isinstance(y.grad, Tensor) and y.grad.tolist() == [3.0]
    assert z.grad is None  # not retained: no gradient node kept (it would tie the graph in a cycle)
    np.testing.assert_array_equal(x.grad.data, [12.0])
    # first order keeps every interior gradient, as before (drawings show them)
    x2 = Value(2.0)
    y2 = x2 * x2
    (y2 * 3.0).backward()
    assert y2.grad == 3.0


def test_backward_inputs_restricts_which_nodes_accumulate(engine: Engine) -> None:
    p, r = engine.leaf(1.0), engine.leaf(2.0)
    s = p * r
    (s * s).backward(inputs=[p])
    assert float(np.asarray(p.grad)) == 8.0 and r.grad in (0.0, None)
    s2 = p * r
    (s2 * s2).backward(inputs=[s2])  # an interior input: the gradient stops there
    assert float(np.asarray(s2.grad)) == 4.0 and float(np.asarray(p.grad)) == 8.0


def test_grad_of_grad_of_grad() -> None:
    f = lambda x: (x * x).tanh() * x
    # d³/dx³ of x tanh(x²), worked out by hand with t = tanh(x²), s = 1 - t²:
    # f' = t + 2x²s, f'' = 6xs - 8x³ts, f''' = 6s - 48x²ts - 16x⁴s² + 32x⁴t²s
    x = 0.7
    t = math.tanh(x * x)
    s = 1 - t * t
    d3 = 6 * s - 48 * x**2 * t * s - 16 * x**4 * s * s + 32 * x**4 * t * t * s
    got = grad(grad(grad(f)))(x)
    assert type(got) is float
    h = 1e-4
    numeric = (grad(grad(f))(x + h) - grad(grad(f))(x - h)) / (2 * h)
    assert got == pytest.approx(numeric, rel=1e-6)
    assert got == pytest.approx(d3, rel=1e-12)


# ---------------------------------------------------------------------------
# autograd.grad(outputs, inputs, ...)
# ---------------------------------------------------------------------------


def test_grad_returns_a_tuple_and_touches_no_grad() -> None:
    x, y = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    out = (x * y).sum()
    gx, gy = ag.grad(out, [x, y], retain_graph=True)
    assert isinstance(gx, Tensor) and not gx.requires_grad
    np.testing.assert_array_equal(gx.data, [3.0, 4.0])
    np.testing.assert_array_equal(gy.data, [1.0, 2.0])
    assert x.grad is None and y.grad is None
    (gx2,) = ag.grad(outputs=out, inputs=x, grad_outputs=Tensor(2.0))
    np.testing.assert_array_equal(gx2.data, [6.0, 8.0])


def test_grad_with_several_outputs_sums_them() -> None:
    x = Value(3.0)
    a, b = x * x, x * 2.0
    (g,) = ag.grad([a, b], x, grad_outputs=[1.0, 10.0])
    assert g.data == 6.0 + 20.0


def test_grad_errors() -> None:
    x, z = Value(1.0), Value(2.0)
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"grad: inputs\[1\] was not used .* allow_unused=True"):
        ag.grad(y, [x, z])
    assert ag.grad(y, [x, z], allow_unused=True)[1] is None
    with pytest.raises(ValueError, match="grad: got 2 grad_outputs for 1 outputs"):
        ag.grad([y], [x], grad_outputs=[1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"grad: outputs\[0\] does not require grad"):
        ag.grad(Value(1.0, requires_grad=False) * 2.0, x)
    with pytest.raises(RuntimeError, match=r"grad: inputs\[0\] does not require grad"):
        ag.grad(y, Value(1.0, requires_grad=False))
    with pytest.raises(TypeError, match=r"grad: inputs\[0\] must be a Value or a Tensor, got float"):
        ag.grad(y, [1.0])
    with pytest.raises(TypeError, match="grad: outputs and inputs mix Values and Tensors"):
        ag.grad(y, Tensor([1.0], requires_grad=True))


def test_a_node_seed_makes_the_gradient_differentiable_in_it() -> None:
    # the double-vjp trick behind jvp: g(u) = J^T u is linear in u
    x = Tensor([1.0, 2.0], requires_grad=True)
    u = Tensor([0.0, 0.0], requires_grad=True)
    (g,) = ag.grad(x * x, x, grad_outputs=u, create_graph=True)
    (jt,) = ag.grad(g, u, grad_outputs=np.array([1.0, 1.0]))
    np.testing.assert_array_equal(jt.data, [2.0, 4.0])


# ---------------------------------------------------------------------------
# The transforms
# ---------------------------------------------------------------------------


def test_transforms_give_numbers_at_top_level_and_nodes_inside() -> None:
    assert grad(lambda x: x**3)(2.0) == 12.0
    seen = []

    def outer(x: Any) -> Any:
        inner = grad(lambda y: y**3)(x)
        seen.append(type(inner))
        return inner

    assert grad(outer)(2.0) == 12.0  # d/dx 3x² = 6x
    assert seen == [Value]
    val, g = value_and_grad(lambda w: (w * w).sum())(np.array([1.0, 2.0]))
    assert type(val) is float and isinstance(g, np.ndarray)


def test_hessian_of_a_quadratic_form_and_mixed_blocks() -> None:
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    x0 = rng.standard_normal(3)
    H = hessian(lambda x: (x * (Tensor(A) @ x)).sum())(x0)
    np.testing.assert_allclose(H, A + A.T, rtol=1e-14, atol=1e-14)
    # f(x, y) = sum(x² y) with y broadcast over x's rows: blocks of shapes A_i + A_j
    x1, y1 = rng.standard_normal((2, 3)), rng.standard_normal(3)
    blocks = hessian(lambda x, y: (x * x * y).sum(), argnums=(0, 1))(x1, y1)
    assert [b.shape for row in blocks for b in row] == [(2, 3, 2, 3), (2, 3, 3), (3, 2, 3), (3, 3)]
    np.testing.assert_allclose(blocks[1][1], np.zeros((3, 3)))
    expected_xy = np.zeros((2, 3, 3))
    for i in range(2):
        for j in range(3):
            expected_xy[i, j, j] = 2 * x1[i, j]
    np.testing.assert_allclose(blocks[0][1], expected_xy, rtol=1e-14)
    np.testing.assert_allclose(blocks[1][0], np.moveaxis(expected_xy, 2, 0), rtol=1e-14)
    # scalar engine: a tuple of tuples of floats
    assert hessian(lambda a, b: a * a * b, argnums=(0, 1))(3.0, 2.0) == ((4.0, 6.0), (6.0, 0.0))


def test_jacobian_shapes_and_tuple_outputs() -> None:
    W = np.arange(6.0).reshape(2, 3)
    J = jacobian(lambda x: Tensor(W) @ x)(np.ones(3))
    np.testing.assert_array_equal(J, W)
    Ja, Jb = jacobian(lambda x: (x * 2.0, x.sum()))(np.ones((2, 2)))
    assert Ja.shape == (2, 2, 2, 2) and Jb.shape == (2, 2)
    np.testing.assert_array_equal(Jb, np.ones((2, 2)))
    assert jacobian(lambda v: v.exp())(0.0) == 1.0
    # an output that does not depend on the argument: zeros
    np.testing.assert_array_equal(jacobian(lambda x, y: y * 2.0)(np.ones(2), Tensor([1.0])), np.zeros((1, 2)))


def test_jvp_vjp_hvp_elementwise_grad() -> None:
    W = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    f = lambda x: (Tensor(W) @ x).tanh()
    x0, t = np.array([0.3, -0.2]), np.array([1.0, 2.0])
    J = jacobian(f)(x0)
    out, jt = jvp(f, (x0,), (t,))
    np.testing.assert_allclose(out, np.tanh(W @ x0), rtol=1e-15)
    np.testing.assert_allclose(jt, J @ t, rtol=1e-13)
    out2, vjp_fn = vjp(f, x0)
    ct = np.array([1.0, -1.0, 2.0])
    (vt,) = vjp_fn(ct)
    np.testing.assert_allclose(vt, ct @ J, rtol=1e-13)
    np.testing.assert_allclose(vjp_fn(ct)[0], vt)  # called again: the graph was kept
    g = lambda x, y: (x * x * y).sum() + (y * y).sum()
    H = hessian(g, argnums=(0, 1))(x0, t)
    value, (hx, hy) = hvp(g, (x0, t), (np.ones(2), np.array([0.5, -1.0])))
    assert value == pytest.approx(float((x0 * x0 * t).sum() + (t * t).sum()), rel=1e-15)
    np.testing.assert_allclose(hx, H[0][0] @ np.ones(2) + H[0][1] @ np.array([0.5, -1.0]), rtol=1e-13)
    np.testing.assert_allclose(hy, H[1][0] @ np.ones(2) + H[1][1] @ np.array([0.5, -1.0]), rtol=1e-13)
    xs = np.array([0.1, 0.5, -2.0])
    d2 = elementwise_grad(elementwise_grad(lambda v: v.tanh()))(xs)
    np.testing.assert_allclose(d2, -2 * np.tanh(xs) * (1 - np.tanh(xs) ** 2), rtol=1e-13)
    assert jvp(lambda a, b: a * b, (3.0, 4.0), (1.0, 0.0)) == (12.0, 4.0)


def test_transform_errors() -> None:
    with pytest.raises(ValueError, match="jvp: 2 primals but 1 tangents"):
        jvp(lambda a, b: a * b, (1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match=r"jvp: a tangent has shape \(3,\) but its argument has \(2,\)"):
        jvp(lambda a: a * 2.0, (np.ones(2),), (np.ones(3),))
    with pytest.raises(ValueError, match=r"hvp: the function must return a scalar, got shape \(2,\)"):
        hvp(lambda a: a * 2.0, np.ones(2), np.ones(2))
    with pytest.raises(TypeError, match="jacobian: the function must return a Value or a Tensor"):
        jacobian(lambda a: 3.0)(1.0)
    with pytest.raises(ValueError, match=r"vjp: the cotangent has shape \(3,\) but the output has shape \(2,\)"):
        vjp(lambda a: a * 2.0, np.ones(2))[1](np.ones(3))


_FUNCS = {
    "tanh·sum": lambda x, y: ((x * y).tanh() * x).sum(),
    "exp/log": lambda x, y: ((x * x + 1.0).log() * (y * 0.3).exp()).sum(),
    "softmax": lambda x, y: ((x + y).softmax(-1) * x).sum(),
    "matmul": lambda x, y: ((x @ x.T).sigmoid() * y.sum()).sum(),
    "pow/div": lambda x, y: ((x * x + 0.5) ** 1.5 / (y * y + 1.0)).sum(),
}


@pytest.mark.parametrize("name", list(_FUNCS))
@given(data=st.data())
def test_hessian_matches_central_differences_of_the_gradient(name: str, data: Any) -> None:
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=2, max_dims=2, max_side=3))
    sx, sy = shapes.input_shapes
    if name == "matmul":
        sy = sy[-1:]
    elems = st.floats(-1.5, 1.5)
    x = data.draw(hnp.arrays(np.float64, sx, elements=elems), label="x")
    y = data.draw(hnp.arrays(np.float64, sy, elements=elems), label="y")
    f = _FUNCS[name]
    H = hessian(f, argnums=(0, 1))(x, y)
    g = grad(f, argnums=(0, 1))
    for j, arg in enumerate((x, y)):
        flat = arg.reshape(-1)
        for k in range(flat.size):
            plus, minus = flat.copy(), flat.copy()
            plus[k] += EPS
            minus[k] -= EPS
            args_p = [x, y]
            args_m = [x, y]
            args_p[j], args_m[j] = plus.reshape(arg.shape), minus.reshape(arg.shape)
            gp, gm = g(*args_p), g(*args_m)
            for i in range(2):
                numeric = (gp[i] - gm[i]) / (2 * EPS)
                analytic = H[i][j].reshape(np.shape(gp[i]) + (flat.size,))[..., k]
                np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6, err_msg=f"{name}: H[{i}][{j}]")


# ---------------------------------------------------------------------------
# gradgradcheck
# ---------------------------------------------------------------------------


def test_gradgradcheck_accepts_correct_functions() -> None:
    assert gradgradcheck(lambda x: (x.tanh() * x).sum(), Tensor([0.5, -1.0])) is True
    assert gradgradcheck(lambda a, b: (a * b).exp() / (b * b + 1.0), 0.3, 1.2) is True
    rng = np.random.default_rng(1)
    assert gradgradcheck(lambda x, w: (x @ w).softmax(-1), rng.standard_normal((2, 3)), rng.standard_normal((3, 2)))
    assert gradgradcheck(lambda x: x * 2.0, np.ones(3)) is True  # linear: every second derivative is 0


def test_gradgradcheck_reports_a_wrong_second_derivative() -> None:
    # x * detach(x): the recorded gradient is the constant x, so its derivative is 0; numerically 1
    with pytest.raises(GradcheckError, match=r"gradgradcheck: input 0: analytic second derivative 0\.0 != numeric"):
        gradgradcheck(lambda x: x * x.detach(), 1.5)
    with pytest.raises(TypeError, match=r"^gradgradcheck: input 0 must be a Value, a Tensor, a number or an array"):
        gradgradcheck(lambda x: x, "a")


# ---------------------------------------------------------------------------
# PyTorch, where installed
# ---------------------------------------------------------------------------


def test_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x0, y0, t0 = rng.standard_normal((3, 2)), rng.standard_normal(2), rng.standard_normal((3, 2))

    def f(x: Any, y: Any, lib: Any) -> Any:
        s = (x * y).tanh() @ (y * 1.0 if lib is None else y)
        return (s**2).sum() + (x.exp() * y).sum()

    ours = hessian(lambda x, y: f(x, y, None), argnums=(0, 1))(x0, y0)
    theirs = torch.autograd.functional.hessian(
        lambda x, y: f(x, y, torch), (torch.tensor(x0, dtype=torch.float64), torch.tensor(y0, dtype=torch.float64))
    )
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(ours[i][j], theirs[i][j].numpy(), rtol=1e-9, atol=1e-12)
    g = lambda x: (x * x).sigmoid() * 2.0
    _, ours_t = jvp(g, (x0,), (t0,))
    _, theirs_t = torch.autograd.functional.jvp(g, torch.tensor(x0), torch.tensor(t0))
    np.testing.assert_allclose(ours_t, theirs_t.numpy(), rtol=1e-12)
