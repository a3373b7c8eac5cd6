"""Threads, re-entry and Ctrl-C: a block always restores what it replaced; shared leaves lose no gradient."""

from __future__ import annotations

import _thread
import random
import threading

import numpy as np
import pytest

from autograd import Tensor, Value, current_stage, detect_anomaly, enable_grad, is_grad_enabled, no_grad, stage


def test_one_no_grad_object_entered_by_many_threads_at_once() -> None:
    shared, shared_stage = no_grad(), stage("shared", label="one object, many threads")
    errors: list[BaseException] = []
    inside = threading.Barrier(8, timeout=10)

    def work(i: int) -> None:
        rng = random.Random(i)
        try:
            for _ in range(20):
                with shared, shared_stage:
                    inside.wait()  # every thread is inside the same objects' blocks at once ...
                    assert not is_grad_enabled() and current_stage() == ("shared",)
                    assert (Value(1.0) * 2.0).op is None  # nothing recorded
                    if rng.random() < 0.5:
                        threading.Event().wait(0.001)  # ... and they leave in a different order each time
                assert is_grad_enabled() and current_stage() == ()
                assert (Value(1.0) * 2.0).op is not None
        except BaseException as e:  # noqa: BLE001 - reported below with the thread's failure
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert is_grad_enabled() and current_stage() == ()


def test_the_same_object_can_be_entered_again_while_active() -> None:
    ng, s = no_grad(), stage("outer")
    with ng:
        with enable_grad():
            assert is_grad_enabled()
            with ng:
                assert not is_grad_enabled()
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with s:
        with s:
            assert current_stage() == ("outer", "outer")
        assert current_stage() == ("outer",)
    assert current_stage() == ()


def test_an_inner_block_whose_exit_never_ran_is_closed_with_its_outer_block() -> None:
    outer, inner = stage("outer"), no_grad()
    with outer:
        inner.__enter__()  # its exit never runs, as when Ctrl-C lands at the start of __exit__
        assert not is_grad_enabled()
    assert is_grad_enabled() and current_stage() == ()


def test_detect_anomaly_restores_the_mode_after_an_error() -> None:
    with pytest.raises(FloatingPointError):
        with detect_anomaly():
            Value(-1.0).log()
    assert Value(-1.0).log().data != Value(-1.0).log().data  # nan, and no error outside the block


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="interrupts go to the main thread"
)
def test_ctrl_c_at_any_moment_never_leaves_a_mode_behind() -> None:
    rng = random.Random(0)
    ng = no_grad()
    leaks = []
    for k in range(300):
        timer = threading.Timer(rng.uniform(0.0, 0.002), _thread.interrupt_main)
        try:
            timer.start()
            while True:  # the interrupt lands somewhere in here: entering, inside, or leaving a block
                with ng, stage("s"):
                    Value(1.0) * 2.0
        except KeyboardInterrupt:
            pass
        timer.join()
        if not is_grad_enabled() or current_stage() != ():
            leaks.append(k)
            with enable_grad():  # put the mode back for the next try
                pass
            break
    assert not leaks, f"after interrupt {leaks[0]} grad mode is {is_grad_enabled()}, stage {current_stage()}"


def test_backward_from_many_threads_into_one_shared_leaf_loses_no_update() -> None:
    # large arrays: numpy releases the GIL inside the add, which is where updates were lost (126 of 400)
    n = 200_000
    w = Tensor(np.ones(n), requires_grad=True)
    x = Tensor(np.full(n, 0.5))

    def work() -> None:
        for _ in range(25):
            (w * x).sum().backward()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    np.testing.assert_array_equal(w.grad, np.full(n, 8 * 25 * 0.5))
