"""The framing of the through-topics: what goes in comes out, in order; anything else is refused whole."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.batches import MAGIC, BatchError, Item, pack, split, unpack
from streams.pipeline.steps import THROUGH

items = st.lists(
    st.builds(
        Item,
        st.sampled_from(sorted(THROUGH)),
        st.one_of(st.none(), st.binary(max_size=40)),
        st.binary(max_size=300),
        st.one_of(st.none(), st.integers(min_value=1, max_value=2**62)),
    ),
    min_size=1,  # the sender never sends an empty batch
    max_size=30,
)


@given(items)
def test_a_batch_gives_back_its_items_in_order(batch):
    assert unpack(pack(batch)) == batch


def test_a_plain_message_is_not_a_batch():
    with pytest.raises(BatchError, match="magic"):
        unpack(b'{"type":"join","bucket":"x:1"}')


@given(st.binary(max_size=200))
def test_anything_after_the_magic_either_is_a_batch_or_is_refused(tail):
    value = MAGIC + tail
    try:
        unpacked = unpack(value)
    except BatchError:
        return
    assert pack(unpacked) == value


def test_a_truncated_batch_is_refused_not_half_applied():
    whole = pack([Item("graph.links", b"a", b"1", 5), Item("dedup.nodes", b"b", b"22", 6)])
    with pytest.raises(BatchError):
        unpack(whole[:-3])


def test_split_keeps_the_order_and_the_size_bound():
    batch = [Item("graph.links", f"k{i}".encode(), b"x" * (i * 10), None) for i in range(50)]
    runs = split(batch, 1000)
    assert [item for run in runs for item in run] == batch
    assert all(len(pack(run)) <= 1000 + len(MAGIC) or len(run) == 1 for run in runs)
    big = Item("graph.links", None, b"y" * 5000, None)
    assert split([big], 1000) == [[big]]


def test_the_magic_alone_is_an_empty_batch():
    assert unpack(MAGIC) == []
