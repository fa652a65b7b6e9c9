"""The framing of the through-topics: what goes in comes out, in order, and a non-batch is one item."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.batches import MAGIC, Item, pack, split, unpack

items = st.lists(
    st.builds(
        Item,
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


def test_a_plain_message_is_one_item_with_its_own_key_and_time():
    value = b'{"type":"join","bucket":"x:1"}'
    assert unpack(value, b"x:1", 1_700_000_000_000) == [Item(b"x:1", value, 1_700_000_000_000)]


@given(st.binary(max_size=200))
def test_anything_after_the_magic_that_is_not_a_batch_stays_one_message(tail):
    value = MAGIC + tail
    unpacked = unpack(value, b"k", None)
    # Either it parses as a batch (and packs back to the same bytes) or it is the message itself.
    assert unpacked == [Item(b"k", value, None)] or pack(unpacked) == value


def test_a_truncated_batch_is_not_half_applied():
    whole = pack([Item(b"a", b"1", 5), Item(b"b", b"22", 6)])
    assert unpack(whole[:-3], b"k") == [Item(b"k", whole[:-3], None)]


def test_split_keeps_the_order_and_the_size_bound():
    batch = [Item(f"k{i}".encode(), b"x" * (i * 10), None) for i in range(50)]
    runs = split(batch, 1000)
    assert [item for run in runs for item in run] == batch
    assert all(len(pack(run)) <= 1000 + len(MAGIC) or len(run) == 1 for run in runs)
    assert split([Item(None, b"y" * 5000, None)], 1000) == [[Item(None, b"y" * 5000, None)]]


def test_the_magic_alone_is_a_message_not_an_empty_batch():
    assert unpack(MAGIC, b"k", 7) == [Item(b"k", MAGIC, 7)]
