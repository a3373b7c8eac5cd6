"""nn's activations: formulas and derivatives on a Value, a list and a Tensor; the name table."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd import Tensor, Value
from tests.nn.helpers import TIGHT, one_with_activation

SQRT_2_PI = math.sqrt(2.0 / math.pi)
FORMULAS = {
    "identity": lambda x: x,
    "step": lambda x: (x > 0).astype(float),
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "softplus": lambda x: np.log1p(np.exp(x)),
    "gelu": lambda x: 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0))),  # exact, PyTorch's default
}
DERIVATIVES = {
    "identity": lambda x: np.ones_like(x),
    "step": lambda x: np.zeros_like(x),
    "relu": lambda x: (x > 0).astype(float),
    "leaky_relu": lambda x: np.where(x > 0, 1.0, 0.01),
    "sigmoid": lambda x: FORMULAS["sigmoid"](x) * (1 - FORMULAS["sigmoid"](x)),
    "tanh": lambda x: 1 - np.tanh(x) ** 2,
    "softplus": lambda x: FORMULAS["sigmoid"](x),
}
CLASSES = {
    "identity": nn.Identity,
    "step": nn.Step,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "gelu": nn.GELU,
}
FUNCTIONS = {name: getattr(nn, name) for name in CLASSES}
XS = np.array([-3.0, -1.5, -0.2, 0.3, 1.0, 2.5])


def test_the_activation_table_is_complete():
    assert set(nn.ACTIVATIONS) == set(CLASSES)
    assert all(nn.ACTIVATIONS[k] is v for k, v in CLASSES.items())


@pytest.mark.parametrize("name", sorted(CLASSES))
@pytest.mark.parametrize("form", ["function", "module"])
def test_activation_on_a_value_a_list_and_a_tensor(name, form):
    f = FUNCTIONS[name] if form == "function" else CLASSES[name]()
    want = FORMULAS[name](XS)
    # one Value
    for x, w in zip(XS, want):
        out = f(Value(float(x)))
        assert isinstance(out, Value)
        assert out.data == pytest.approx(w, rel=1e-12, abs=1e-15)
    # a list of Values (and of plain numbers)
    outs = f([Value(float(x)) for x in XS])
    assert isinstance(outs, list) and all(isinstance(o, Value) for o in outs)
    np.testing.assert_allclose([o.data for o in outs], want, **TIGHT)
    outs = f(XS.tolist())
    assert all(isinstance(o, Value) for o in outs)
    np.testing.assert_allclose([o.data for o in outs], want, **TIGHT)
    # a Tensor, any shape
    t = Tensor(XS.reshape(2, 3), requires_grad=True)
    out = f(t)
    assert isinstance(out, Tensor) and out.shape == (2, 3)
    np.testing.assert_allclose(out.data, want.reshape(2, 3), **TIGHT)


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_activation_gradients_on_both_engines(name):
    f = FUNCTIONS[name]
    t = Tensor(XS, requires_grad=True)
    f(t).sum().backward()
    np.testing.assert_allclose(t.grad, DERIVATIVES[name](XS), **TIGHT)
    vs = [Value(float(x)) for x in XS]
    sum(f(vs)).backward()
    np.testing.assert_allclose([v.grad for v in vs], DERIVATIVES[name](XS), **TIGHT)


def test_step_fires_above_zero_and_has_zero_gradient_everywhere():
    x = Tensor([-2.0, -1e-9, 1e-9, 5.0], requires_grad=True)
    y = nn.Step()(x)
    assert y.tolist() == [0.0, 0.0, 1.0, 1.0]
    (y * 3.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    v = Value(0.7)
    nn.step(v).backward()
    assert v.grad == 0.0


def test_leaky_relu_slope():
    act = nn.LeakyReLU(0.2)
    assert act(Value(-2.0)).data == pytest.approx(-0.4)
    assert act(Value(3.0)).data == 3.0
    t = Tensor([-2.0, 3.0], requires_grad=True)
    act(t).sum().backward()
    np.testing.assert_allclose(t.grad, [0.2, 1.0])
    assert nn.leaky_relu(Value(-1.0), 0.3).data == pytest.approx(-0.3)
    assert [v.data for v in nn.leaky_relu([-10.0, 1.0], negative_slope=0.5)] == [-5.0, 1.0]
    assert act.describe() == "LeakyReLU(0.2)" and act.config() == {"negative_slope": 0.2}
    # an MLP keeps the slope in every hidden layer, on both engines
    net = nn.MLP(2, [3, 1], activation=act, seed=0)
    assert net.layers[0].activation.negative_slope == 0.2
    assert net.to_engine("scalar").layers[0].activation.negative_slope == 0.2


def test_activation_functions_reject_other_types():
    for f in FUNCTIONS.values():
        with pytest.raises(TypeError, match="Value"):
            f("relu")
        with pytest.raises(TypeError, match="Value"):
            f(np.array([1.0]))


@pytest.mark.parametrize(
    "given, cls",
    [
        ("relu", nn.ReLU),
        ("ReLU", nn.ReLU),
        ("tanh", nn.Tanh),
        ("sigmoid", nn.Sigmoid),
        ("gelu", nn.GELU),
        ("softplus", nn.Softplus),
        ("step", nn.Step),
        ("threshold", nn.Step),
        ("identity", nn.Identity),
        ("linear", nn.Identity),
        ("none", nn.Identity),
        (None, nn.Identity),
        ("leaky_relu", nn.LeakyReLU),
        ("LeakyReLU", nn.LeakyReLU),
        (nn.Tanh, nn.Tanh),
    ],
)
def test_get_activation_names_aliases_classes_and_none(given, cls):
    act = nn.get_activation(given)
    assert type(act) is cls


def test_get_activation_passes_modules_through_and_rejects_unknowns():
    act = nn.LeakyReLU(0.3)
    assert nn.get_activation(act) is act
    with pytest.raises(ValueError) as e:
        nn.get_activation("swish")
    msg = str(e.value)
    assert "'swish'" in msg
    for name in nn.ACTIVATIONS:
        assert name in msg
    with pytest.raises(TypeError, match="activation must be a name"):
        nn.get_activation(3)
    with pytest.raises(ValueError, match="swish"):
        nn.MLP(2, [3, 1], activation="swish")
    with pytest.raises(ValueError, match="known: identity"):
        nn.Neuron(2, activation="swish")


@pytest.mark.parametrize("base", ["relu", "tanh", "leaky_relu", "softplus"])
def test_a_users_activation_may_have_its_own_metaclass(base: str) -> None:
    # torch.nn's activations have no metaclass, so `class MyAct(nn.ReLU, abc.ABC)` or one with a metaclass of its
    # own is fine in PyTorch; a metaclass on nn.Activation made both a TypeError (metaclass conflict)
    import abc

    cls = type(nn.get_activation(base))

    class Marked(abc.ABCMeta):
        made: list[str] = []

        def __call__(self, *args: object, **kwargs: object) -> object:
            Marked.made.append(self.__name__)
            return super().__call__(*args, **kwargs)

    class Abstract(cls, abc.ABC):  # type: ignore[misc,valid-type]
        pass

    class Own(cls, metaclass=Marked):  # type: ignore[misc,valid-type]
        pass

    x = np.array([[1.0, -2.0], [0.5, 0.3]])
    expected = nn.Linear(2, 3, activation=base, seed=0)(x).data
    for sub in (Abstract, Own):
        layer = nn.Linear(2, 3, activation=sub(), seed=0)
        np.testing.assert_array_equal(layer(x).data, expected)  # a subclass runs its node(): the same numbers
        np.testing.assert_array_equal(nn.Module.__call__(layer, x).data, expected)
        assert isinstance(layer.activation, cls) and issubclass(sub, nn.Activation)
    assert Marked.made == ["Own"]


@pytest.mark.parametrize("how", ["Linear(...)", "linear.activation =", "MLP(...)", "mlp.activation =", "Neuron(...)"])
def test_an_activation_with_parameters_is_refused_where_it_would_not_be_trained(how):
    # a layer's activation is not a child (it has no stage of its own): a parameter it held was in no
    # parameters(), no state_dict() and no optimiser, so it silently stayed as initialised
    class PReLU(nn.activations.Activation):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Parameter(np.array(0.25))

    run = {
        "Linear(...)": lambda: nn.Linear(2, 3, activation=PReLU()),
        "linear.activation =": lambda: setattr(nn.Linear(2, 3), "activation", PReLU()),
        "MLP(...)": lambda: nn.MLP(2, [3, 1], activation=PReLU()),
        "mlp.activation =": lambda: setattr(nn.MLP(2, [3, 1]), "activation", PReLU()),
        "Neuron(...)": lambda: nn.Neuron(2, activation=PReLU()),
    }[how]
    with pytest.raises(TypeError, match=r"activation: PReLU\(\) holds parameters \(a\), which a layer's activation"):
        run()
    assert nn.get_activation(nn.LeakyReLU(0.3)).negative_slope == 0.3  # one without parameters: as given


@pytest.mark.parametrize("base", ["Activation", "ReLU"])
def test_an_activation_subclass_with_its_own_forward_computes_it_inside_layers(base):
    # written PyTorch's way (forward overridden), it computed the base's fn inside Linear, Neuron and MLP (identity
    # or relu, silently), while calling the module itself gave its forward
    class Square(getattr(nn.activations, base)):  # type: ignore[misc]
        def forward(self, x):
            return x * x

    x = np.array([[1.0, -2.0]])
    layer = nn.Linear(2, 2, activation=Square(), seed=0)
    want = (x @ layer.weight.data + layer.bias.data) ** 2
    for _ in range(3):  # the fast path and its cached plan too
        assert np.allclose(layer(x).data, want, rtol=1e-12)
    assert np.allclose(Square()(Tensor(want)).data, want**2)  # the module itself, as before
    neuron = nn.Neuron(2, activation=Square(), seed=0)
    z = sum(w.data * v for w, v in zip(neuron.w, x[0])) + neuron.b.data
    assert neuron(list(x[0])).data == pytest.approx(z * z, rel=1e-12)
    net = nn.MLP(2, [2, 1], activation=Square(), seed=0)
    for _ in range(3):
        got = net(x).data
    l1, l2 = net.layers
    h = (x @ l1.weight.data + l1.bias.data) ** 2
    assert np.allclose(got, h @ l2.weight.data + l2.bias.data, rtol=1e-12)


@pytest.mark.parametrize("hook", ["forward", "full backward"])
@pytest.mark.parametrize("where", ["Linear", "MLP", "Neuron"])
def test_a_hook_on_a_layers_activation_is_refused_where_it_would_not_run(hook, where):
    # a layer applies its activation as its own step (node()), not as a module: the hook never ran, silently
    module = one_with_activation(where, "relu")
    x = [1.0, -2.0] if where == "Neuron" else np.array([[1.0, -2.0]])
    want = module(x).data
    for _ in range(2):
        module(x)  # the fast paths' plans made
    register = getattr(module.activation, f"register_{hook.replace(' ', '_')}_hook")
    handle = register(lambda *args: None)
    with pytest.raises(RuntimeError, match=r"activation .* has hooks, which do not run inside a layer"):
        module(x)
    handle.remove()
    assert np.allclose(module(x).data, want, rtol=1e-15)  # without hooks: as before
    seen = []
    act = type(module.activation)()
    act.register_forward_hook(lambda m, args, out: seen.append(out))
    out = act(Tensor(np.array([-1.0, 2.0])))  # called as a module: its hooks run
    assert seen == [out]
