"""Content signatures: one SimHash per article, bands as index keys, the cosine back from the bits."""

from __future__ import annotations

import numpy as np

from streams.pipeline import similarity

BEIRUT_EN = (
    "Explosion at Beirut port",
    "A huge explosion tore through the port of Beirut on Tuesday, killing dozens of people "
    "and wounding thousands, the Lebanese health minister said.",
)
BEIRUT_AR = (
    "انفجار في مرفأ بيروت",
    "هز انفجار ضخم مرفأ بيروت يوم الثلاثاء وأدى إلى مقتل العشرات وإصابة الآلاف، بحسب وزير الصحة اللبناني.",
)
FOOTBALL_EN = (
    "United beat Chelsea",
    "Manchester United beat Chelsea two goals to one at Old Trafford on Sunday in the Premier League.",
)


def test_a_signature_is_128_bytes_of_base64_the_same_every_time_and_none_without_words():
    signature = similarity.content_signature(*BEIRUT_EN)
    assert signature == similarity.content_signature(*BEIRUT_EN)
    assert len(signature) == 172  # base64 of 128 bytes
    assert similarity.content_signature(None, " ... ،، -- ") is None


def test_the_same_story_in_arabic_and_english_is_closer_than_another_story_in_english():
    en, ar, other = (similarity.content_signature(*a) for a in (BEIRUT_EN, BEIRUT_AR, FOOTBALL_EN))
    assert similarity.cosine(en, ar) > 0.6
    assert similarity.cosine(en, other) < 0.3
    assert similarity.cosine(ar, other) < 0.3


def test_the_cosine_read_from_the_bits_is_close_to_the_embeddings_cosine():
    texts = [BEIRUT_EN, BEIRUT_AR, FOOTBALL_EN]
    vectors = [similarity.embed(*t) for t in texts]
    signatures = [similarity.signature_of(v) for v in vectors]
    for i in range(3):
        for j in range(i + 1, 3):
            exact = float(vectors[i] @ vectors[j])
            assert abs(similarity.cosine(signatures[i], signatures[j]) - exact) < 0.12


def test_bands_are_index_keys_and_one_band_speaks_for_a_pair():
    vector = similarity.embed(*BEIRUT_EN)
    signature = similarity.signature_of(vector)
    keys = similarity.band_keys(signature)
    assert len(keys) == similarity.BANDS and all(k.startswith("similar:") for k in keys)
    assert similarity.first_shared_band(signature, signature) == 0
    flipped = similarity.signature_of(-vector)  # every bit differs
    assert similarity.first_shared_band(signature, flipped) is None
    assert similarity.cosine(signature, flipped) == -1.0


def test_a_broken_signature_gives_no_key_and_no_similarity():
    assert similarity.band_keys("not base64!") == []
    assert similarity.band_keys(None) == []
    assert similarity.cosine("AAAA", similarity.content_signature(*BEIRUT_EN)) == 0.0


def test_the_hyperplanes_come_from_a_fixed_hash_not_a_random_generator():
    planes = similarity._projections()
    assert planes.shape == (512, similarity.SIGNATURE_BITS)
    assert set(np.unique(planes)) == {-1.0, 1.0}
    assert abs(planes.mean()) < 0.01


def _pair_at_cosine(rng, cosine):
    a = rng.standard_normal(512)
    a /= np.linalg.norm(a)
    noise = rng.standard_normal(512)
    noise -= (noise @ a) * a
    noise /= np.linalg.norm(noise)
    return a, cosine * a + np.sqrt(1 - cosine**2) * noise


def test_articles_at_a_moderate_cosine_mostly_meet_in_a_band():
    # 7-bit bands met a pair at cosine 0.5 in about 62% of cases: too few of the pairs
    # people call related were ever compared. Short bands meet them almost always.
    rng = np.random.default_rng(7)
    pairs = [_pair_at_cosine(rng, 0.5) for _ in range(300)]
    met = sum(
        similarity.first_shared_band(similarity.signature_of(a), similarity.signature_of(b)) is not None
        for a, b in pairs
    )
    assert met / len(pairs) > 0.8
    far = [_pair_at_cosine(rng, 0.0) for _ in range(300)]
    met_by_chance = sum(
        similarity.first_shared_band(similarity.signature_of(a), similarity.signature_of(b)) is not None
        for a, b in far
    )
    assert met_by_chance / len(far) < 0.6  # the cosine check turns those away


def test_shared_bands_lists_every_band_two_signatures_agree_on():
    vector = similarity.embed(*BEIRUT_EN)
    signature = similarity.signature_of(vector)
    assert similarity.shared_bands(signature, signature) == list(range(similarity.BANDS))
    assert similarity.shared_bands(signature, similarity.signature_of(-vector)) == []
    assert similarity.shared_bands(signature, "AAAA") == []


def test_the_encoder_reads_the_first_500_characters():
    # 250 characters gave the cross-lingual pairs people rated much less than 500 (0.62
    # against 0.69 on the rated news pairs) for about 4 ms more an article.
    football, beirut_ar = " ".join([FOOTBALL_EN[1]] * 6), " ".join([BEIRUT_AR[1]] * 6)
    opening = " ".join([BEIRUT_EN[1]] * 3)[:300]
    assert len(similarity.embedding_text(None, f"{opening} {football}")) == similarity.EMBED_CHARS == 500
    assert similarity.content_signature(None, f"{opening} {football}") != similarity.content_signature(
        None, f"{opening} {beirut_ar}"
    )
    opening = " ".join([BEIRUT_EN[1]] * 5)[:520]
    assert similarity.content_signature(None, f"{opening} {football}") == similarity.content_signature(
        None, f"{opening} {beirut_ar}"
    )
