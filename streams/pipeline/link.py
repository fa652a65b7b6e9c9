"""Link: which articles are related, and why.

Relations are found where the articles meet, each on its own partition key:

* ``embedded``: a page and each article it embedded (known from ``parent_id``);
* ``story``: the members of one dedup story meet in its entry of the
  ``stories`` table (``streams.pipeline.stories``), fed by the catalog;
* ``entity:<key>`` / ``keyword:<phrase>``: articles that share a salient entity
  or key phrase meet in an index entry keyed by that key (``graph.by-key``),
  weighted by how rare the key is in the window: an entity in hundreds of
  articles counts little, one that two articles share counts a lot;
* ``explicit``: a page's related headlines meet the articles that carry those
  titles in an index entry keyed by the title's matching form
  (``graph.by-title``), whichever arrives first;
* ``cross-lingual``: a shared entity between articles in two languages.

Every relation becomes two edges (one per direction), each keyed by its
``src`` so that ``graph.fold_edge`` folds it into the ``related_graph`` entry
of its owner. An edge carries one reason and that reason's score; a neighbour keeps
the best score per reason and combines them, so applying an edge twice (a
re-delivered message) changes nothing, and an index entry ignores an article
it already holds, so a replayed article adds no weight.
"""

from __future__ import annotations

import bisect
import math
import operator
from typing import Any, get_args, get_type_hints

from streams.pipeline import similarity
from streams.records import Edge, EnrichedArticle, Entity
from streams.text import fold_inner_vowels, match_tokens

NodeState = dict[str, Any]
IndexState = dict[str, Any]
Ref = dict[str, Any]

EMBEDDED_SCORE = 1.0
STORY_SCORE = 0.95
EXPLICIT_SCORE = 0.9
# One shared rare entity is a hint, not proof: it scores at most ENTITY_FACTOR, as
# much as a content cosine of 0.4. Readers rate two articles about one person or
# place but two different events as unrelated (the rated pairs of
# scripts/eval_similarity.py: shared entities alone correlate with their ratings
# far less than the content does), so a keyword counts less still.
ENTITY_FACTOR = 0.25
KEYWORD_FACTOR = 0.1
# The names and key phrases two articles share name one event's people and places
# together: they are not independent evidence. Whatever their number they count as one
# piece, worth at most as much as one rare shared name (``graph.combined``). On the
# rated pairs (scripts/eval_similarity.py) a cap of 0.1, 0.17 (the weakest content
# edge) or 0.25 did the same on the English pairs (0.777-0.779), on which it was
# chosen, and 0.44-0.45 on the Arabic ones, against 0.41 with no cap.
NAMES_CAP = ENTITY_FACTOR
NAME_PREFIXES = ("entity:", "keyword:")
# A new member is related to the most recent members of an index entry only, and
# not at all once the key is so common that its weight would say nothing.
MAX_INDEX_MEMBERS = 10
MIN_WEIGHT = 0.1
MAX_KEYWORDS = 5
# An entry keeps (and counts, as its rarity) its most recent members in the window
# up to this many: far beyond the count where every weight is under MIN_WEIGHT, and
# small enough that an entry of a key in every article stays a few KB (it is read,
# written and sent to its changelog whole each time an article names the key).
MAX_COUNTED_MEMBERS = 100
MAX_TITLE_MEMBERS = 50
# The first reason of an edge that removes the reasons after it (all of them: the
# neighbour) from ``src``'s entry for ``dst``.
FORGET = "forget"
CROSS_LINGUAL = "cross-lingual"
LABELS = frozenset({CROSS_LINGUAL})
# Content: ``similar:<cosine>`` edges between articles whose signatures share a band.
SIMILAR = "similar"
SIMILAR_PREFIX = "similar:"
MAX_SIMILAR_MEMBERS = 20
# The lowest bands a pair shares that relate it (see ``content_edges``).
SPEAKING_BANDS = 3
# The cosine two random news articles' embeddings reach (SaudiNewsNet, every pair):
# 0.10 in the middle, 0.25 one time in ten. A cosine scores by how far it rises
# above chance: 0 at SIMILAR_FLOOR, 1 for the same text.
SIMILAR_FLOOR = 0.2
# An edge needs a cosine that fewer than one random pair in twenty reaches. Pairs at
# 0.30-0.35 score under 0.19 and are never shown alone; as edges they cost a third more
# messages and 2.6 ms an article in a window of thousands (SaudiNewsNet).
SIMILAR_MIN_COSINE = 0.35
_ID = operator.itemgetter("id")
ENTITY_TYPES = frozenset(get_args(get_type_hints(Entity)["type"]))


def seen_at(article: EnrichedArticle | dict[str, Any]) -> str:
    """When an article entered the window: the same clock dedup and the catalog expire by."""
    get = article.get if isinstance(article, dict) else lambda name: getattr(article, name)
    return get("fetched_at") or get("published_at") or ""


def edges_for_article(article: EnrichedArticle) -> list[Edge]:
    """A page and each article it embeds are related, both ways (fetched together)."""
    if not article.parent_id:
        return []
    at = seen_at(article)
    return both_ways(article.parent_id, article.article_id, EMBEDDED_SCORE, "embedded", at, at)


def index_keys(article: EnrichedArticle) -> list[str]:
    """The salient entities and key phrases an article is indexed under.

    Salient: named in the title or the first paragraph, or named twice.
    """
    lead = ((article.title or "") + "\n" + (article.paragraphs[0] if article.paragraphs else "")).strip()
    keys = [
        f"entity:{entity.key}"
        for entity in article.entities
        if len(entity.mentions) >= 2 or any(m.text in lead for m in entity.mentions)
    ]
    keys += [f"keyword:{' '.join(match_tokens(k))}" for k in article.keywords[:MAX_KEYWORDS]]
    keys += similarity.band_keys(article.content_signature)
    return sorted(set(k for k in keys if not k.endswith(":")))


def index_key_for(asked: str) -> str | None:
    """The index key of what a person asks for, or None if it names no entity or phrase.

    Every form newsflow shows is accepted: an entity key as ``/articles/{id}``
    shows it (``place:UA``), a related article's reason (``entity:place:UA``,
    ``keyword:<phrase>``: the index key itself) and a key phrase as the article
    lists it, in its original spelling (matched as ``index_keys`` does; that
    matching is not idempotent, so a ``keyword:`` reason is taken as it is).
    """
    kind, _, rest = asked.partition(":")
    if kind in ("entity", "keyword"):
        return asked if rest.strip() else None
    if kind in ENTITY_TYPES and rest.strip():
        return f"entity:{asked}"
    tokens = match_tokens(asked)
    return f"keyword:{' '.join(tokens)}" if tokens else None


def member_ref(article: EnrichedArticle | dict[str, Any]) -> Ref:
    """What an index entry learns of an article; ``sig`` (its content signature) is
    kept only by the ``similar:`` entries, which verify their members with it."""
    get = article.get if isinstance(article, dict) else lambda name: getattr(article, name)
    ref = {"id": get("article_id"), "at": seen_at(article), "lang": get("language") or ""}
    signature = get("content_signature") if isinstance(article, dict) else article.content_signature
    if signature:
        ref["sig"] = signature
    return ref


def observe_index(state: IndexState | None, ref: Ref, key: str) -> tuple[IndexState | None, list[Edge]]:
    """An article joins the index entry of ``key``: relate it to the recent members already there.

    ``members`` (oldest first) are the key's articles in the window, so their
    number is the key's rarity; ``seen`` repeats it for readers of the entry.
    The ``MAX_INDEX_MEMBERS`` most recent keep their content signature: a key
    too common to relate two articles by itself still brings them together to
    be compared by content (see ``content_edges``).
    """
    if key.startswith(SIMILAR_PREFIX):
        return _observe_similar(state, ref, key)
    members: list[Ref] = list((state or {}).get("members", []))
    ids = list(map(_ID, members))  # up to MAX_COUNTED_MEMBERS: C speed, not a Python loop
    position = ids.index(ref["id"]) if ref["id"] in ids else None
    if position is not None:
        # Processed before (a replay, or a re-delivery after a crash that may have lost
        # the edges sent then): send again the edges to the members that came before it.
        recent = members[max(0, position - MAX_INDEX_MEMBERS) : position]
        weight = key_weight(key, position + 1)
    else:
        recent = members[-MAX_INDEX_MEMBERS:]
        bisect.insort(members, ref, key=lambda m: (m["at"], m["id"]))
        members = members[-MAX_COUNTED_MEMBERS:]
        weight = key_weight(key, len(members))
        older = members[:-MAX_INDEX_MEMBERS]
        if any("sig" in m for m in older):  # only the recent ones are compared again
            members = [_lean(m) if "sig" in m else m for m in older] + members[-MAX_INDEX_MEMBERS:]
    edges: list[Edge] = []
    for other in recent:
        score = round(weight * content_agreement(ref, other), 4) if weight >= MIN_WEIGHT else 0.0
        if position is not None and ref.get("sig") and not other.get("sig"):
            # A replay among members that have since let their signature go: the weight
            # sent the first time (with their content) cannot be told again.
            score = 0.0
        if score > 0:
            reasons = [key, *_label(ref, other)] if key.startswith("entity:") else [key]
            edges += both_ways(ref["id"], other["id"], score, reasons, ref["at"], other["at"])
        edges += content_edges(ref, other, band=None)
    return {"members": members, "seen": len(members)}, edges


def _lean(member: Ref) -> Ref:
    return {k: v for k, v in member.items() if k != "sig"}


def content_edges(a: Ref, b: Ref, *, band: int | None) -> list[Edge]:
    """``similar:<cosine>`` edges when two articles' signatures say they are about the same thing.

    A pair meets in every entry of every key and band it shares; a few of them
    speak: the ``SPEAKING_BANDS`` lowest bands both are in (a band entry keeps
    its most recent members only, so the lowest may have let the older one go
    while a higher one still holds it), or, when they share no band, the key
    entries. A pair that agrees on every band still sends its edges a few times, not 16.
    """
    if not a.get("sig") or not b.get("sig") or a["id"] == b["id"]:
        return []
    cosine = similarity.cosine(a["sig"], b["sig"])
    if cosine < SIMILAR_MIN_COSINE:  # most meetings are chance: the cheaper test first
        return []
    shared = similarity.shared_bands(a["sig"], b["sig"])
    if (band not in shared[:SPEAKING_BANDS]) if band is not None else bool(shared):
        return []
    reasons = [f"{SIMILAR}:{cosine:.2f}", *_label(a, b)]
    return both_ways(a["id"], b["id"], similar_score(cosine), reasons, a["at"], b["at"])


def content_agreement(a: Ref, b: Ref) -> float:
    """How far two articles' content lets a name they share relate them: 0 at what chance
    gives (``SIMILAR_FLOOR``), 1 from the cosine a content edge needs; 1 when either has
    no signature (the name is all there is to go by).

    Two articles about one person or place but two different events share the name
    and little else: readers call them unrelated, and their contents say so.
    """
    if not a.get("sig") or not b.get("sig"):
        return 1.0
    cosine = similarity.cosine(a["sig"], b["sig"])
    return min(max((cosine - SIMILAR_FLOOR) / (SIMILAR_MIN_COSINE - SIMILAR_FLOOR), 0.0), 1.0)


def _label(a: Ref, b: Ref) -> list[str]:
    """``cross-lingual`` when the two articles are in different languages (a label, no weight)."""
    return [CROSS_LINGUAL] if a.get("lang") and b.get("lang") and a["lang"] != b["lang"] else []


def _observe_similar(state: IndexState | None, ref: Ref, key: str) -> tuple[IndexState | None, list[Edge]]:
    """An article joins one SimHash band: verify the recent members by their content signature.

    A pair that agrees on several bands meets in each of them; the lowest
    ``SPEAKING_BANDS`` of those relate it. Members keep their
    signature (the verification needs it) and only the ``MAX_SIMILAR_MEMBERS``
    most recent stay: a band holds no rarity to count.
    """
    members: list[Ref] = list((state or {}).get("members", []))
    signature = ref.get("sig")
    if not signature:
        return state, []
    band = int(key.split(":")[1])
    ids = list(map(_ID, members))
    if ref["id"] in ids:  # a replay: send again what was sent to the members before it
        others = members[: ids.index(ref["id"])]
    else:
        others = list(members)
        bisect.insort(members, ref, key=lambda m: (m["at"], m["id"]))
        members = members[-MAX_SIMILAR_MEMBERS:]
    edges = [e for other in others for e in content_edges(ref, other, band=band)]
    return {"members": members, "seen": len(members)}, edges


def similar_score(cosine: float) -> float:
    """What a content cosine is worth as evidence: 0 at what chance gives, 1 for the same text."""
    return round(min(max((cosine - SIMILAR_FLOOR) / (1.0 - SIMILAR_FLOOR), 0.0), 1.0), 4)


def key_weight(key: str, articles_with_key: int) -> float:
    """What sharing ``key`` is worth when ``articles_with_key`` articles in the window have it."""
    factor = KEYWORD_FACTOR if key.startswith("keyword:") else ENTITY_FACTOR
    return round(factor * rarity_weight(articles_with_key), 4)


def rarity_weight(articles_with_key: int) -> float:
    """How much sharing a key says: 1 for a key two articles share, falling as 1/sqrt(n)."""
    return round(1.0 / math.sqrt(max(articles_with_key - 1, 1)), 4)


def expire_index(state: IndexState, cutoff: str) -> IndexState | None:
    """Forget members seen before ``cutoff`` (ISO time); ``None`` when none is left."""
    members = [m for m in state.get("members", []) if not before(m["at"], cutoff)]
    return {"members": members, "seen": len(members)} if members else None


# Longer "titles" are not headlines (and would make huge keys).
MAX_TITLE_TOKENS = 40


def title_key(title: str | None) -> str | None:
    """Headlines match on folded words, so spelling variants of one title meet."""
    tokens = [fold_inner_vowels(t) for t in match_tokens(title or "")]
    return " ".join(tokens) if 3 <= len(tokens) <= MAX_TITLE_TOKENS else None


def title_refs(article: EnrichedArticle) -> list[tuple[str, Ref]]:
    """(title key, ref): the article's own title, and each headline it links to."""
    at = seen_at(article)
    refs: list[tuple[str, Ref]] = []
    own = title_key(article.title)
    if own:
        refs.append((own, {"titled": article.article_id, "at": at}))
    for headline in article.related_headlines:
        key = title_key(headline)
        if key and key != own:
            refs.append((key, {"linked_from": article.article_id, "at": at}))
    return refs


def observe_title(state: IndexState | None, ref: Ref) -> tuple[IndexState, list[Edge]]:
    """Pages that link to a headline meet the articles that carry it, in either order.

    Each side is a list of ``{id, at}``, the most recent ``MAX_TITLE_MEMBERS``.
    """
    sides = {side: list((state or {}).get(side, [])) for side in ("titled", "linked_from")}
    side = "titled" if "titled" in ref else "linked_from"
    member = {"id": ref[side], "at": ref.get("at") or ""}
    if any(m["id"] == member["id"] for m in sides[side]):
        return {**sides}, []
    others = sides["linked_from" if side == "titled" else "titled"]
    edges = [
        e
        for other in others
        for e in both_ways(member["id"], other["id"], EXPLICIT_SCORE, "explicit", member["at"], other["at"])
    ]
    sides[side] = sorted([*sides[side], member], key=lambda m: (m["at"], m["id"]))[-MAX_TITLE_MEMBERS:]
    return sides, edges


def expire_titles(state: IndexState, cutoff: str) -> IndexState | None:
    """Forget titles and links seen before ``cutoff``; ``None`` when both sides are empty."""
    sides = {
        side: [m for m in state.get(side, []) if not before(m["at"], cutoff)]
        for side in ("titled", "linked_from")
    }
    return sides if any(sides.values()) else None


def before(at: str | None, cutoff: str) -> bool:
    """Times are UTC ``YYYY-MM-DDTHH:MM:SSZ`` (or a prefix of it): they compare as strings."""
    return bool(at and at < cutoff)


def both_ways(
    a: str, b: str, score: float, reason: str | list[str], a_at: str | None, b_at: str | None
) -> list[Edge]:
    score = round(score, 4)
    reasons = [reason] if isinstance(reason, str) else list(reason)
    return [
        Edge(src=a, dst=b, score=score, reasons=reasons, src_at=a_at or None, dst_at=b_at or None),
        Edge(src=b, dst=a, score=score, reasons=list(reasons), src_at=b_at or None, dst_at=a_at or None),
    ]


def index_members(state: IndexState | None) -> tuple[int, list[dict[str, Any]]]:
    """How many articles in the window name the key, and the most recent ones, newest first."""
    if not state:
        return 0, []
    members = [
        {"article_id": m["id"], "at": m.get("at") or None, "language": m.get("lang") or None}
        for m in reversed(state.get("members", []))
    ]
    return int(state.get("seen", len(members))), members
