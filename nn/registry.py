"""The classes a model file may name, registered by the classes themselves, and the file format that reads them.

A model file (:mod:`nn.io`) stores a module's class by name and rebuilds it
from plain JSON, so :func:`nn.load` may only call classes that were made
savable on purpose.  A class says so where it is defined::

    class Linear(Module, savable=True): ...

(:meth:`nn.Module.__init_subclass__` calls :func:`register`).  The keyword is
not inherited: a subclass of a savable class (``nn.micrograd.MLP``, or your
own ``MLP`` with another ``forward``) is refused by :func:`nn.save` instead
of being written as its parent and loaded as something else.

This module is also where :class:`nn.Module` finds :func:`nn.save` and
:func:`nn.load` for its ``save`` and ``load`` methods: :mod:`nn.io` registers
them with :func:`set_file_format` when it is imported, so ``nn.module``
never imports ``nn.io`` (which imports the module classes).

Examples
--------
>>> import nn, nn.micrograd
>>> SAVABLE["MLP"] is nn.MLP, "Sequential" in SAVABLE   # a Sequential is written as its modules
(True, False)
>>> is_savable(nn.MLP), is_savable(nn.micrograd.MLP)
(True, False)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .module import Module

__all__ = ["SAVABLE", "register", "is_savable", "FileFormat", "set_file_format", "file_format"]

_classes: dict[str, type[Module]] = {}

SAVABLE: Mapping[str, type[Module]] = MappingProxyType(_classes)
"""The registered classes by name, in the order they registered (read-only; it follows :func:`register`)."""


def register(cls: type[Module]) -> type[Module]:
    """Make ``cls`` savable: :func:`nn.load` may rebuild it, by name, as ``cls(**config)``.

    ``cls.config()`` must return the constructor's arguments as plain values
    (activations by name).  Defining a class again (a re-run notebook cell)
    replaces it; another class of the same name is refused, since a file
    names classes only by their name.

    Parameters
    ----------
    cls : type
        A subclass of :class:`nn.Module`.

    Returns
    -------
    type
        ``cls``, so this also works as a decorator.

    Examples
    --------
    >>> import nn
    >>> class MLP(nn.Module, savable=True):   # savable=True calls register(MLP)
    ...     pass
    Traceback (most recent call last):
    ...
    TypeError: cannot register nn.registry.MLP as savable: nn.mlp.MLP is registered under the name MLP ...
    """
    name = cls.__name__
    other = _classes.get(name)
    if other is not None and (other.__module__, other.__qualname__) != (cls.__module__, cls.__qualname__):
        raise TypeError(
            f"cannot register {cls.__module__}.{cls.__qualname__} as savable: "
            f"{other.__module__}.{other.__qualname__} is registered under the name {name} already, and a model "
            "file names a class only by its name; rename one of them"
        )
    _classes[name] = cls
    return cls


def is_savable(cls: type) -> bool:
    """Whether ``cls`` itself (not only a parent of it) is registered.

    Examples
    --------
    >>> import nn
    >>> is_savable(nn.Linear), is_savable(nn.Sequential)
    (True, False)
    """
    return _classes.get(cls.__name__) is cls


class FileFormat(NamedTuple):
    """How modules are written and read: :func:`nn.save` and :func:`nn.load`.

    Examples
    --------
    >>> file_format()._fields
    ('save', 'load')
    """

    save: Callable[[Any, Any], str]
    load: Callable[..., Any]


_format: list[FileFormat] = []


def set_file_format(save: Callable[[Any, Any], str], load: Callable[[Any], Any]) -> None:
    """Register the functions behind :meth:`nn.Module.save` and :meth:`nn.Module.load` (done by :mod:`nn.io`).

    Examples
    --------
    >>> import nn
    >>> file_format().save is nn.save
    True
    """
    _format[:] = [FileFormat(save, load)]


def file_format() -> FileFormat:
    """The registered :class:`FileFormat` (:mod:`nn.io` registers it when ``nn`` is imported).

    Examples
    --------
    >>> file_format().load.__module__
    'nn.io'
    """
    if not _format:
        raise RuntimeError("no model file format is registered: import nn (nn.io registers save and load)")
    return _format[0]
