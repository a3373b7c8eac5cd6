"""Stage tags: ``stage`` names the processing step that creates nodes, so drawings can group them.

``nn`` enters a stage per model, layer, neuron and step; every node records the
path it was created in (``node.stage``); the renderer groups nodes by it.  The
labels and kinds of paths are kept in a registry, and each :class:`StagePath`
carries its own copy so a graph drawn later shows the model that made it.
"""

from __future__ import annotations

from .context import CTX as _CTX
from .context import leave

__all__ = [
    "StagePath",
    "extend_path",
    "stage",
    "cached_stage",
    "in_stage_kind",
    "stage_label",
    "stage_kind",
    "register_stage",
    "current_stage",
    "backward_path",
    "STAGE_KINDS",
    "REGISTRY_WRITES",
]

# path -> human label (e.g. "layer 1: Linear(2→16) + ReLU") and kind ("model",
# "layer", "neuron", "step", "loss"); read by the renderer, written by `stage`.
_LABELS: dict[tuple[str, ...], str] = {}
_KINDS: dict[tuple[str, ...], str] = {}
STAGE_KINDS = ("model", "layer", "neuron", "step", "loss")
#: Writes to that registry so far (one int in a list): a cache that skips the blocks' registering checks it.
REGISTRY_WRITES = [0]
_get, _set = _CTX.get, _CTX.set


class StagePath(tuple):
    """A stage path (a tuple of names) that remembers each level's label and kind.

    The registry maps a path to the label it was *last* entered with, so two
    models that share names (two ``MLP``s, say) overwrite each other's labels.
    A ``StagePath`` keeps the labels and kinds its nodes were made under, so a
    graph drawn later still shows its own model.  It compares, hashes and
    prints as the plain tuple it is.

    Examples
    --------
    >>> p = extend_path((), "net", label="MLP(2→1)", kind="model")
    >>> p == ("net",), p.labels, p.kinds
    (True, ('MLP(2→1)',), ('model',))
    """

    labels: tuple[str | None, ...]
    kinds: tuple[str | None, ...]
    _kids: dict[tuple[str, str | None, str | None], StagePath]
    _gen: int


# Children of the empty path (see extend_path); a StagePath keeps its own in ``_kids``.
_ROOT_KIDS: dict[tuple[str, str | None, str | None], StagePath] = {}
# NOTE: stage names made up on the fly (``stage(f"step {i}")``) must not grow memory
# without bound: the registry keeps at most _MAX_REGISTERED paths (the oldest go
# first), and after _MAX_PATHS new paths every cache of paths starts again (a
# generation count tells a StagePath that its own cache is stale).
_MAX_REGISTERED = 4096
_MAX_PATHS = 8192
_made = [0, 0]  # paths made in this generation, the generation


def _remember(registry: dict[tuple[str, ...], str], path: tuple[str, ...], value: str) -> None:
    """``registry[path] = value``, dropping the oldest half when the registry is full."""
    REGISTRY_WRITES[0] += 1
    if path not in registry and len(registry) >= _MAX_REGISTERED:
        for old in list(registry)[: _MAX_REGISTERED // 2]:
            del registry[old]
    registry[path] = value


def extend_path(base: tuple[str, ...], name: str, label: str | None = None, kind: str | None = None) -> StagePath:
    """``base + (name,)`` as a :class:`StagePath` carrying every level's label and kind.

    Levels that ``base`` does not carry labels for are read from the registry,
    as is this level's when ``label``/``kind`` are not given.  The result is
    cached on ``base`` (a model called a thousand times makes its paths once).

    Examples
    --------
    >>> extend_path(("net",), "layer 1", kind="layer").kinds[-1]
    'layer'
    >>> extend_path((), "net", "MLP") is extend_path((), "net", "MLP")
    True
    """
    key = (name, label, kind)
    if type(base) is StagePath:
        kids = base._kids
        if base._gen != _made[1]:  # the caches were started again since base cached its children
            kids = base._kids = {}
            base._gen = _made[1]
    elif not base:
        kids = _ROOT_KIDS
    else:
        kids = None
    if kids is not None:
        path = kids.get(key)
        if path is not None:
            return path
    full = tuple(base) + (name,)
    path = StagePath(full)
    if type(base) is StagePath:  # it carries its own
        labels, kinds = base.labels, base.kinds
    else:
        labels = tuple(_LABELS.get(base[: j + 1]) for j in range(len(base)))
        kinds = tuple(_KINDS.get(base[: j + 1]) for j in range(len(base)))
    path.labels = labels + (label or _LABELS.get(full),)
    path.kinds = kinds + (kind or _KINDS.get(full),)
    path._kids = {}
    path._gen = _made[1]
    if kids is not None:
        _made[0] += 1
        if _made[0] > _MAX_PATHS:
            _made[0] = 0
            _made[1] += 1
            _ROOT_KIDS.clear()
            if kids is not _ROOT_KIDS:
                kids.clear()
        kids[key] = path
    return path


class stage:
    """Tag every node created inside the block with a stage path.

    Nested blocks form a path, outermost first.  A node records the path in
    ``node.stage``; outside any block it is ``()``.  The optional ``label`` is
    a human description of the path, kept in a registry (see
    :func:`stage_label`) so that nodes stay small.  Context-variable based, so
    threads and async tasks each see their own path.

    Examples
    --------
    >>> from autograd import Value, stage
    >>> with stage("layer 1", label="layer 1: 2 inputs → 3 neurons"):
    ...     with stage("activation"):
    ...         y = Value(-2.0).relu()
    >>> y.stage
    ('layer 1', 'activation')
    >>> stage_label(("layer 1",))
    'layer 1: 2 inputs → 3 neurons'
    """

    __slots__ = ("name", "label", "kind")

    def __init__(self, name: str, label: str | None = None, kind: str | None = None):
        if not isinstance(name, str) or not name:
            raise TypeError(f"stage: name must be a non-empty str, got {name!r}")
        if kind is not None and kind not in STAGE_KINDS:
            raise ValueError(f"stage: kind must be one of {STAGE_KINDS} or None, got {kind!r}")
        self.name = name
        self.label = label
        self.kind = kind

    def __enter__(self) -> tuple[str, ...]:
        parent = _get()
        base, grad, anomaly, _, _ = parent
        label, kind = self.label, self.kind
        if label or kind:
            key = base + (self.name,)
            if label and _LABELS.get(key) != label:
                _remember(_LABELS, key, label)
            if kind and _KINDS.get(key) != kind:
                _remember(_KINDS, key, kind)
        path = extend_path(base, self.name, label, kind)
        try:  # autograd.context.enter, inlined (the nn hot path enters a dozen stages per call)
            _set((path, grad, anomaly, parent, self))
        except BaseException:  # NOTE: an interrupt right after the set: undo, no exit will come
            _set(parent)
            raise
        return path

    __exit__ = leave  # NOTE: the function itself: one Python call to leave, one place for an interrupt


# How many parent paths a cached_stage remembers its path under before it starts again.
_CACHED_PATHS = 256


class cached_stage:
    """A reusable :class:`stage` block for code that enters the same stage on every call.

    ``with block:`` tags nodes exactly as ``with stage(name, label, kind):``
    does, but the path under each parent path is made once and the label and
    kind are registered once per path (the registry is written again only when
    another block has registered a different label there since).  Create it
    once (per module, per call site) and enter it as often as needed; change
    what it describes with :meth:`set`.  With ``register=False`` the label and
    kind stay out of the registry: only the paths carry them, so a user's
    ``stage(name)`` without a kind elsewhere does not inherit this block's.

    Examples
    --------
    >>> from autograd import Tensor
    >>> block = cached_stage("loss", label="loss: mean squared error", kind="loss")
    >>> with block:
    ...     y = Tensor([1.0]) * 2
    >>> y.stage, y.stage.labels, y.stage.kinds
    (('loss',), ('loss: mean squared error',), ('loss',))
    """

    __slots__ = ("name", "label", "kind", "_paths", "_register")

    def __init__(self, name: str, label: str | None = None, kind: str | None = None, register: bool = True):
        self._register = register
        self.set(name, label, kind)

    def set(self, name: str, label: str | None = None, kind: str | None = None) -> None:
        """Describe the block anew (checked as :class:`stage` checks); the cached paths are dropped."""
        stage(name, label, kind)  # the same checks and messages
        self.name, self.label, self.kind = name, label, kind
        self._paths: dict[tuple[str, ...], tuple[tuple[str, ...], StagePath]] = {}

    def path(self, base: tuple[str, ...]) -> StagePath:
        """The path of this block entered under ``base`` (made on first use; label and kind registered)."""
        hit = self._paths.get(base)
        if hit is not None and hit[0] is base:
            path = hit[1]
        else:
            # NOTE: keyed by the base *object*: two models with equal stage names have equal
            # paths that carry different labels (extend_path caches on the base itself)
            if len(self._paths) >= _CACHED_PATHS:  # names made up per call: keep memory flat
                self._paths.clear()
            path = extend_path(base, self.name, self.label, self.kind)
            self._paths[base] = (base, path)
        label, kind = self.label, self.kind
        if not self._register:
            return path
        # NOTE: `is not`: an equal label registered by someone else is replaced by this block's
        # own string, so that __enter__'s identity check passes from now on
        if label and _LABELS.get(path) is not label:
            _remember(_LABELS, path, label)
        if kind and _KINDS.get(path) is not kind:
            _remember(_KINDS, path, kind)
        return path

    def at(self, base: tuple[str, ...]) -> StagePath:
        """:meth:`path`, fast when cached: for tagging a node made under ``base`` directly (``node.stage = ...``).

        Examples
        --------
        >>> from autograd import Tensor
        >>> block = cached_stage("bias", kind="step")
        >>> y = Tensor([1.0]) + 1.0
        >>> y.stage = block.at(current_stage())
        >>> y.stage, y.stage.kinds
        (('bias',), ('step',))
        """
        hit = self._paths.get(base)
        # NOTE: one registry lookup checks that the label (or, without one, the kind) is still registered
        if (
            hit is None
            or hit[0] is not base
            or (
                self._register
                and (_LABELS.get(hit[1]) is not self.label if self.label else _KINDS.get(hit[1]) is not self.kind)
            )
        ):
            return self.path(base)
        return hit[1]

    def __enter__(self) -> tuple[str, ...]:
        parent = _get()
        base, grad, anomaly, _, _ = parent
        path = self.at(base)
        try:  # as stage.__enter__
            _set((path, grad, anomaly, parent, self))
        except BaseException:  # NOTE: an interrupt right after the set: undo, no exit will come
            _set(parent)
            raise
        return path

    __exit__ = leave


def in_stage_kind(kind: str, name: str | None = None) -> bool:
    """Whether the current stage's innermost level has ``kind`` (or, when ``name`` is given, that name).

    Examples
    --------
    >>> with stage("loss", kind="loss"):
    ...     in_stage_kind("loss")
    True
    >>> in_stage_kind("loss")
    False
    """
    path = _get()[0]
    if not path:
        return False
    if name is not None and path[-1] == name:
        return True
    kinds = getattr(path, "kinds", None)
    return (kinds[-1] if kinds is not None else _KINDS.get(tuple(path))) == kind


def stage_label(path: tuple[str, ...]) -> str | None:
    """The human label registered for a stage path, or None.

    Examples
    --------
    >>> with stage("doc model", label="MLP(2→1)"):
    ...     pass
    >>> stage_label(("doc model",))
    'MLP(2→1)'
    """
    return _LABELS.get(tuple(path))


def stage_kind(path: tuple[str, ...]) -> str | None:
    """The kind registered for a stage path (``"layer"``, ``"neuron"``, ...), or None.

    Examples
    --------
    >>> with stage("layer 1", kind="layer"):
    ...     pass
    >>> stage_kind(("layer 1",))
    'layer'
    """
    return _KINDS.get(tuple(path))


def register_stage(path: tuple[str, ...], label: str | None = None, kind: str | None = None) -> None:
    """Record the label and kind of ``path`` without entering it (used for parameters).

    The path's entry is replaced: a label or kind not given is removed, so a
    path registered again by another model does not keep the first one's label.

    Examples
    --------
    >>> register_stage(("net", "layer 1"), label="layer 1: Linear(2→3)", kind="layer")
    >>> stage_label(("net", "layer 1")), stage_kind(("net", "layer 1"))
    ('layer 1: Linear(2→3)', 'layer')
    >>> register_stage(("net", "layer 1"), kind="layer")
    >>> stage_label(("net", "layer 1")) is None
    True
    """
    if kind is not None and kind not in STAGE_KINDS:
        raise ValueError(f"register_stage: kind must be one of {STAGE_KINDS} or None, got {kind!r}")
    path = tuple(path)
    for registry, value in ((_LABELS, label), (_KINDS, kind)):
        if value:
            _remember(registry, path, value)
        elif registry.pop(path, None) is not None:
            REGISTRY_WRITES[0] += 1


def current_stage() -> tuple[str, ...]:
    """The stage path that a node created now would get.

    Examples
    --------
    >>> current_stage()
    ()
    >>> with stage("a"), stage("b"):
    ...     current_stage()
    ('a', 'b')
    """
    return _CTX.get()[0]


_BACKWARD = " (backward)"
_backward_paths: dict[tuple[str, ...], StagePath] = {}


def backward_path(path: tuple[str, ...]) -> StagePath:
    """The stage of the nodes a recorded backward pass makes for a node of stage ``path``.

    Each level's name gets " (backward)" (" (backward 2)" for the backward of
    a backward, and so on) and keeps its kind, so a drawing groups the
    gradient computation by the layer whose backward made it; a node outside
    any stage gives ``("backward",)``.

    Examples
    --------
    >>> backward_path(("MLP", "layer 2"))
    ('MLP (backward)', 'layer 2 (backward)')
    >>> backward_path(backward_path(("layer 2",))), backward_path(())
    (('layer 2 (backward 2)',), ('backward',))
    """
    hit = _backward_paths.get(path)
    if hit is not None:
        return hit
    out = extend_path((), "backward", kind="step") if not path else None
    kinds = getattr(path, "kinds", None) or tuple(_KINDS.get(tuple(path[: j + 1])) for j in range(len(path)))
    for name, kind in zip(path, kinds):
        out = extend_path(() if out is None else out, _next_name(name), kind=kind)
    assert out is not None
    if len(_backward_paths) >= _MAX_REGISTERED:
        _backward_paths.clear()
    _backward_paths[path] = out
    return out


def _next_name(name: str) -> str:
    """``name`` of one more backward: "x" -> "x (backward)" -> "x (backward 2)" -> "x (backward 3)"."""
    if name.endswith(_BACKWARD):
        return f"{name[: -len(_BACKWARD)]} (backward 2)"
    head, sep, tail = name.rpartition(" (backward ")
    if sep and tail.endswith(")") and tail[:-1].isdigit():
        return f"{head} (backward {int(tail[:-1]) + 1})"
    return name + _BACKWARD
