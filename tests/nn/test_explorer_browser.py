"""The explorer page in a real browser: headless Chromium opens the saved file, a learner's clicks, the numbers shown.

Needs playwright (the ``browser`` extra) and the system Chromium (Debian's
``chromium``; ``scripts/dev.sh test`` installs it when run as root); without
either, every test here is skipped with a message saying which is missing.
No browser is downloaded.  Screenshots go to ``$LAYERGRAD_ARTIFACTS`` (default:
a pytest temporary folder).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

import nn
from autograd import toposort

pytestmark = pytest.mark.slow


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("LAYERGRAD_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("explorer-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def built(artifacts: Path):
    X, y = nn.data.circles(160, noise=0.08, seed=0)
    Xtr, Xte, ytr, yte = nn.data.split(X, y, seed=0)
    model = nn.MLP(2, [6, 5, 1], seed=1)
    ex = nn.explore(model, Xtr, ytr, test=(Xte, yte), epochs=60, record=5, sample=3, trace_epoch=10, probe_epochs=30)
    path = ex.save(artifacts / "explorer.html")
    return model, Xtr, ytr, ex, path


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install 'layergrad[browser]'"
    )
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium on PATH: apt-get install chromium (scripts/dev.sh test does it as root)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, built):
    """The saved page, opened from file://, with every console error and uncaught exception collected."""
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    pg.goto(Path(built[-1]).resolve().as_uri())
    pg.wait_for_selector("body[data-ready='1']", timeout=10_000)
    yield pg
    pg.close()
    assert errors == [], errors


def _set_frame(pg, frame: int) -> None:
    pg.locator("#epoch").evaluate("(el, f) => { el.value = f; el.dispatchEvent(new Event('input')); }", frame)


def test_the_page_opens_and_shows_every_view(page, built, artifacts):
    *_, ex, path = built
    for view in ("#network", "#boundary", "#layers", "#curves", "#health", "#backprop"):
        assert page.locator(view).is_visible(), view
    assert page.locator("#network canvas.neuron").count() == sum(ex.data["sizes"][1:])
    assert page.locator("#epoch-label").inner_text().startswith(f"epoch {ex.data['epochs'][-1]}")
    page.screenshot(path=str(artifacts / "explorer_full.png"), full_page=True)


def test_moving_the_slider_changes_the_pictures(page, built, artifacts):
    *_, ex, _ = built
    before = {v: page.locator(v).screenshot() for v in ("#network", "#boundary", "#layers")}
    page.locator("#epoch").focus()
    page.keyboard.press("Home")  # a learner's way: the keyboard on the slider
    assert page.locator("#epoch-label").inner_text().startswith("epoch 0")
    after = {v: page.locator(v).screenshot(path=str(artifacts / f"explorer_epoch0_{v[1:]}.png")) for v in before}
    for v in before:
        assert before[v] != after[v], f"{v} looks the same at epoch 0 and at the last epoch"
    canvas = "document.getElementById('boundary-canvas')"
    pixels = f"() => Array.from({canvas}.getContext('2d').getImageData(0, 0, 300, 300).data)"
    first = page.evaluate(pixels)
    _set_frame(page, 3)
    assert page.evaluate(pixels) != first
    shown = page.locator("#boundary .train-acc").get_attribute("title")
    assert float(shown) == ex.data["acc"][3][0]


def test_stepping_backward_shows_backwards_gradients(page, built, artifacts):
    model, Xtr, ytr, ex, _ = built
    # the traced sample through the weights of epoch 10, computed here, independently of the trace
    state = ex.data["weights"][ex.data["epochs"].index(10)]
    twin = nn.MLP(2, [6, 5, 1], seed=0, engine="scalar")
    for layer, (W, b) in zip(twin.layers, state):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = W[i][j]
            neuron.b.data = b[j]
    x = [float(v) for v in Xtr[3]]
    L = nn.bce_with_logits([twin(x)[0]], [int(ytr[3])])
    L.backward()
    nodes = toposort(L)

    page.click("#bp-backward")
    assert page.locator("#bp-svg text.grad").count() == 1  # only the seed dL/dL = 1
    for _ in range(4):
        page.click("#bp-step")
    page.locator("#backprop").screenshot(path=str(artifacts / "explorer_backward_step4.png"))
    # the explanation is the chain rule as arithmetic: sent = local derivative x incoming gradient
    incoming = float(page.locator("#bp-explain .incoming").get_attribute("title"))
    locals_ = [float(e.get_attribute("title")) for e in page.locator("#bp-explain .local").all()]
    sent = [float(e.get_attribute("title")) for e in page.locator("#bp-explain .sent").all()]
    assert sent and sent == [v * incoming for v in locals_]
    page.click("#bp-back")
    assert page.locator("#bp-label").inner_text().startswith("backward step 3")
    page.click("#bp-end")
    page.locator("#backprop").screenshot(path=str(artifacts / "explorer_backward_end.png"))
    shown = {
        int(e.get_attribute("data-node")): float(e.locator("title").text_content())
        for e in page.locator("#bp-svg text.grad").all()
    }
    expected = {i: n.grad for i, n in enumerate(nodes) if n.requires_grad}
    assert shown == expected  # every gradient, exactly, and only where backward computes one


def test_stepping_forward_fills_values_in_topological_order(page, built):
    *_, ex, _ = built
    page.click("#bp-forward")
    for _ in range(7):
        page.click("#bp-step")
    values = {
        int(e.get_attribute("data-node")): float(e.locator("title").text_content())
        for e in page.locator("#bp-svg text.value").all()
    }
    assert values == {i: ex.trace["nodes"][i]["value"] for i in range(7)}
    assert page.locator("#bp-svg .node.cur").get_attribute("data-node") == "6"


def test_open_time_and_size_of_the_page(browser, built, artifacts):
    """Measured, not timed: written to the artefacts for the report."""
    *_, path = built
    pg = browser.new_page()
    start = time.perf_counter()
    pg.goto(Path(path).resolve().as_uri())
    pg.wait_for_selector("body[data-ready='1']")
    seconds = time.perf_counter() - start
    pg.close()
    size = os.path.getsize(path)
    (artifacts / "explorer_measure.txt").write_text(f"size {size} bytes, open {seconds:.3f} s\n")
    assert size > 0


def test_two_explorers_in_one_notebook_page_both_work(browser, built, tmp_path):
    """Jupyter shows ``_repr_html_`` in the notebook's page: two explorers there must not disturb each other."""
    *_, ex, _ = built
    X, y = nn.data.moons(60, seed=0)
    other = nn.explore(nn.MLP(2, [3, 1], seed=0), X, y, epochs=3, probe_epochs=5)
    notebook = tmp_path / "notebook.html"
    notebook.write_text(f"<html><body>{ex._repr_html_()}<p>between</p>{other._repr_html_()}</body></html>")
    pg = browser.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(notebook.resolve().as_uri())
    frames = [f for f in pg.frames if f != pg.main_frame]
    assert len(frames) == 2
    for frame, explorer in zip(frames, (ex, other)):
        frame.wait_for_selector("body[data-ready='1']", timeout=10_000)
        assert frame.locator("#network canvas.neuron").count() == sum(explorer.data["sizes"][1:])
    frames[1].click("#bp-backward")
    frames[1].click("#bp-end")
    assert frames[1].locator("#bp-svg text.grad").count() > 0
    assert frames[0].locator("#bp-svg text.grad").count() == 0  # the first one did not move
    pg.close()
    assert errors == [], errors


def test_parameter_gradients_shown_are_the_tensor_engines(page, built):
    """Read back as a user of the tensor engine would: leaf w_i of 'layer k/neuron j' is layers[k-1].weight[i, j]."""
    import numpy as np

    from autograd import Tensor

    model, Xtr, ytr, ex, _ = built
    net = nn.MLP(2, [6, 5, 1], seed=0)
    for layer, (W, b) in zip(net.layers, ex.data["weights"][ex.data["epochs"].index(ex.trace["epoch"])]):
        layer.weight.data[...] = np.array(W)
        layer.bias.data[...] = np.array(b)
    nn.bce_with_logits(net(Tensor(Xtr[3:4])), ytr[3:4]).backward()
    page.click("#bp-backward")
    page.click("#bp-end")
    checked = 0
    for node in page.locator("#bp-svg g.node[data-op='leaf']").all():
        group, name = node.get_attribute("data-group"), node.get_attribute("data-name")
        if not group.startswith("MLP/layer"):
            continue
        k, j = int(group.split("/")[1].split()[1]) - 1, int(group.split("/")[2].split()[1])
        want = net.layers[k].bias.grad[j] if name == "b" else net.layers[k].weight.grad[int(name[1:]), j]
        shown = float(node.locator("text.grad title").text_content())
        assert shown == pytest.approx(float(want), rel=1e-12, abs=1e-15), (group, name)
        checked += 1
    assert checked == sum((a + 1) * b for a, b in zip(ex.data["sizes"], ex.data["sizes"][1:]))


def test_every_number_shown_carries_its_exact_value(page):
    page.click("#bp-backward")
    for _ in range(3):
        page.click("#bp-step")
    found = page.evaluate(
        """() => Array.from(document.querySelectorAll('.num')).map(e => [
            e.textContent.replace(e.querySelector('title') ? e.querySelector('title').textContent : '', ''),
            e.getAttribute('title') || (e.querySelector('title') && e.querySelector('title').textContent)])"""
    )
    assert len(found) > 100
    for shown, exact in found:
        assert exact is not None, shown
        if exact == "none":
            assert shown.strip() == "—"
            continue
        number = shown.replace("∂L =", "").replace("=", "").replace("%", "").strip()
        value = float(number) / (100 if "%" in shown else 1)
        assert value == pytest.approx(float(exact), rel=5e-3, abs=1e-3 if "%" in shown else 1e-12), (shown, exact)


# ---------------------------------------------------------------- the models users bring, in the browser


def _open(browser, path):
    pg = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    pg.goto(Path(path).resolve().as_uri())
    pg.wait_for_selector("body[data-ready='1']", timeout=10_000)
    return pg, errors


def _shown_leaf_grads(pg) -> dict[tuple[str, str], float]:
    """Every parameter gradient the page shows after stepping backward to the end, by (group, name)."""
    pg.click("#bp-backward")
    pg.click("#bp-end")
    return {
        (n.get_attribute("data-group"), n.get_attribute("data-name")): float(
            n.locator("text.grad title").text_content()
        )
        for n in pg.locator("#bp-svg g.node[data-op='leaf']").all()
        if n.locator("text.grad").count()
    }


@pytest.mark.parametrize("classes", [2, 3])
def test_a_torch_model_shows_torchs_gradients(browser, artifacts, classes):
    """A PyTorch user's network, imported with nn.from_torch: the page's gradients are torch's backward()."""
    torch = pytest.importorskip("torch", reason="torch is not installed: pip install 'layergrad[interop]'")
    torch.manual_seed(classes)
    nout = 1 if classes == 2 else classes
    tm = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 6), torch.nn.ReLU(),
                             torch.nn.Linear(6, nout)).double()  # fmt: skip
    X, y = nn.data.spiral(40, classes=3, seed=0) if classes == 3 else nn.data.moons(80, seed=0)
    model = nn.from_torch(tm)
    ex = nn.explore(model, X, y, epochs=30, record=10, probe_epochs=10, sample=5,
                    optimizer=nn.optim.Adam(model.parameters(), lr=0.03))  # fmt: skip
    path = ex.save(artifacts / f"explorer_torch_{classes}.html")
    # the trained weights back into torch, then torch's own gradient of the traced sample
    tm.load_state_dict(nn.torch_state_dict(model))
    tm.zero_grad()
    out = tm(torch.tensor(X[5:6]))
    if classes == 2:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            out[:, 0], torch.tensor(y[5:6], dtype=torch.float64)
        )
    else:
        loss = torch.nn.functional.cross_entropy(out, torch.tensor(y[5:6]))
    loss.backward()
    pg, errors = _open(browser, path)
    pg.screenshot(path=str(artifacts / f"explorer_torch_{classes}.png"), full_page=True)
    assert float(pg.locator(".sample-loss").get_attribute("title")) == pytest.approx(loss.item(), rel=1e-12)
    shown = _shown_leaf_grads(pg)
    checked = 0
    for k, index in enumerate((0, 2, 4)):
        layer = tm[index]
        for j in range(layer.out_features):
            group = f"Sequential/layer {k + 1}/neuron {j}"
            assert shown[(group, "b")] == pytest.approx(layer.bias.grad[j].item(), rel=1e-9, abs=1e-15)
            for i in range(layer.in_features):
                want = layer.weight.grad[j, i].item()
                assert shown[(group, f"w{i}")] == pytest.approx(want, rel=1e-9, abs=1e-15), (group, i)
                checked += 1
    assert checked == 2 * 8 + 8 * 6 + 6 * nout
    # k classes: the boundary is painted in the palette's class colours, one region per class
    colours = pg.evaluate(
        """() => { const c = document.getElementById('boundary-canvas').getContext('2d');
        const d = c.getImageData(0, 0, 300, 300).data, seen = {};
        for (let i = 0; i < d.length; i += 4 * 97) seen[d[i] + ',' + d[i + 1] + ',' + d[i + 2]] = 1;
        return Object.keys(seen); }"""
    )
    assert len(colours) > classes
    swatches = pg.locator("#class-legend .swatch").all()
    from autograd import palette

    want = [palette.as_dict()["classes"][k] for k in range(classes)]
    assert [pg.evaluate("e => getComputedStyle(e).backgroundColor", s.element_handle()) for s in swatches] == [
        "rgb({}, {}, {})".format(*(int(c[i : i + 2], 16) for i in (1, 3, 5))) for c in want
    ]
    pg.close()
    assert errors == [], errors


def test_keyboard_steps_and_zoom(page, built):
    *_, ex, _ = built
    page.locator("#bp-backward").focus()
    page.keyboard.press("Enter")  # the buttons are buttons: Enter and Space press them
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.locator("#bp-label").inner_text() == f"backward step 3 / {len(ex.trace['backward'])}"
    page.keyboard.press("ArrowLeft")
    assert page.locator("#bp-label").inner_text().startswith("backward step 2")
    page.keyboard.press("End")
    assert page.locator("#bp-label").inner_text().startswith(f"backward step {len(ex.trace['backward'])}")
    page.keyboard.press("f")
    assert page.locator("#bp-label").inner_text().startswith("forward step 0")
    # the graph fits the panel's width (or is zoomed as far as is readable), and the zoom buttons work
    fits = page.evaluate(
        "() => { const s = document.getElementById('bp-svg'), w = s.parentElement;"
        " return [s.getBoundingClientRect().width, w.clientWidth]; }"
    )
    assert fits[0] <= fits[1]
    before = page.locator("#bp-zoom").inner_text()
    page.click("#bp-zoom-in")
    assert page.locator("#bp-zoom").inner_text() != before


def test_curves_and_gradient_health_are_readable(page, built):
    *_, ex, _ = built
    # both loss curves are drawn, train solid and test dashed
    series = page.locator("#loss-chart polyline.series")
    assert series.count() == 2
    assert [series.nth(k).get_attribute("data-series") for k in range(2)] == ["train loss", "test loss"]
    assert series.nth(1).get_attribute("stroke-dasharray")
    assert len(series.nth(1).get_attribute("points").split()) == len(ex.data["history"]["val_loss"])
    # the gradient bars: on a log axis with decade ticks, each bar's length orders like its norm
    bars = [float(b.get_attribute("width")) for b in page.locator("#health-svg rect.gbar").all()]
    norms = ex.data["gradNorms"][-1]
    assert len(bars) == len(norms) and min(bars) > 20  # big enough to compare
    assert sorted(range(len(bars)), key=bars.__getitem__) == sorted(range(len(norms)), key=norms.__getitem__)
    ticks = [t.text_content() for t in page.locator("#health-svg text").all() if t.text_content().startswith("1e")]
    assert len(ticks) >= 2


def test_weights_reach_the_page_exactly(page, built):
    """The weights travel as packed float64s: every edge's hover text is the weight itself, to the last digit."""
    *_, ex, _ = built
    titles = page.evaluate("() => Array.from(document.querySelectorAll('#net-svg line title')).map(t => t.textContent)")
    W = ex.data["weights"][-1]
    want = [
        f"weight {i}→{j} of {name}: {W[k][0][i][j]!r}"
        for k, name in enumerate(ex.data["layers"])
        for j in range(len(W[k][1]))
        for i in range(len(W[k][0]))
    ]
    assert titles == want


def test_play_runs_through_the_epochs_and_stops(page, built):
    *_, ex, _ = built
    page.locator("#epoch").focus()
    page.keyboard.press("Home")
    page.click("#play")
    assert page.locator("#play").inner_text().endswith("pause")
    last = f"epoch {ex.data['epochs'][-1]}"
    page.wait_for_function(
        f"() => document.getElementById('epoch-label').textContent.startsWith({last!r})", timeout=10_000
    )
    page.wait_for_function("() => document.getElementById('play').textContent.includes('play')", timeout=2_000)
    assert page.locator("#epoch").input_value() == str(len(ex.data["epochs"]) - 1)
