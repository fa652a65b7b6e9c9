"""Nodes: one article each, its verified neighbours and the canonical of its story.

A node waits for every bucket it joined and every candidate it asked before it
gives its first verdict; later a backfill (an earlier member arriving) makes
every member's story smaller and each of them publishes its changed verdict.
The canonical is the minimum propagated along verified edges (label
propagation: it only ever decreases, so it converges with no lock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal, NamedTuple

from streams.pipeline.dedup.config import DEFAULT_CONFIG, DedupConfig
from streams.pipeline.dedup.messages import (
    BUCKETS_TOPIC,
    NODES_TOPIC,
    Admit,
    Candidates,
    Join,
    NodeMessage,
    Send,
    StoryRef,
    StoryUpdate,
    Summary,
    Verified,
    Verify,
    story_order,
    story_ref,
)
from streams.pipeline.dedup.signatures import sketch_jaccard
from streams.records import Verdict

# {"article": Summary, "story": StoryRef | None, "neighbors": {id: [similarity, rule]},
#  "checked": [ids], "awaiting": ["b:<bucket>" | "v:<id>"], "decided": bool, "revised": bool}
NodeState = dict[str, Any]


class NodeResult(NamedTuple):
    """A node transition's outcome. ``first_of_story``: the node just gave its first
    verdict and it says unique (the catalog publishes the article on ``articles.unique``)."""

    state: NodeState | None
    sends: list[Send]
    verdicts: list[Verdict]
    first_of_story: bool = False


def on_node_message(
    state: NodeState | None, message: NodeMessage, config: DedupConfig = DEFAULT_CONFIG
) -> NodeResult:
    """Apply one ``dedup.nodes`` message to the node it is keyed by."""
    handler: Callable[[NodeState | None, Any, DedupConfig], NodeResult] = _NODE_HANDLERS[message["type"]]
    return handler(state, message, config)


def _admit(state: NodeState | None, message: Admit, config: DedupConfig) -> NodeResult:
    article = message["article"]
    if state is not None and state["article"]["exact"] == article["exact"]:
        # Re-delivery: nothing changes; say again what was said. A node still
        # waiting asks again whoever has not answered: after a crash, the first
        # asks may never have left (asking twice is harmless, answers are matched).
        if state["decided"]:
            return NodeResult(state, [], [_verdict(state, config)])
        return NodeResult(state, _asks(state, state["awaiting"]), [])
    if state is None:
        state = {
            "article": article,
            "story": None,
            "neighbors": {},
            "checked": [],
            "awaiting": [],
            "decided": False,
            "revised": False,
        }
    else:
        # Revision: same id, new body. Edges found for the old body stay (the
        # story only ever grows, which keeps it order-independent); the new body
        # looks for its own candidates. Order keeps the first published_at.
        kept = {"id": state["article"]["id"], "published_at": state["article"]["published_at"]}
        state = {**state, "article": {**article, **kept}, "revised": True, "decided": False}
    tokens = [f"b:{key}" for key in message["keys"]]
    state["awaiting"] = sorted(set(state["awaiting"]) | set(tokens))
    return _settle(state, _asks(state, tokens), [], config)


def _asks(state: NodeState, tokens: Iterable[str]) -> list[Send]:
    """The messages that ask for the awaited answers: ``b:<bucket>`` joins, ``v:<id>`` verifies."""
    me = state["article"]
    member = {k: me[k] for k in ("id", "published_at", "observed_at")}
    sends = []
    for token in tokens:
        kind, target = token.split(":", 1)
        if kind == "b":
            join: Join = {"type": "join", "bucket": target, "member": member}  # type: ignore[typeddict-item]
            sends.append(Send(BUCKETS_TOPIC, target, join))
        else:
            verify: Verify = {"type": "verify", "to": target, "from": story_ref(me), "story": _story(state)}
            sends.append(Send(NODES_TOPIC, target, verify))
    return sends


def _candidates(state: NodeState | None, message: Candidates, config: DedupConfig) -> NodeResult:
    if state is None:  # expired meanwhile
        return NodeResult(None, [], [])
    token = f"b:{message['bucket']}"
    if token not in state["awaiting"]:
        return NodeResult(state, [], [])  # an answer heard before (a re-delivery)
    checked = set(state["checked"])
    new = [other for other in message["ids"] if other != state["article"]["id"] and other not in checked]
    asks = [f"v:{other}" for other in new]
    awaiting = (set(state["awaiting"]) - {token}) | set(asks)
    state = {**state, "checked": sorted(checked | set(new)), "awaiting": sorted(awaiting)}
    return _settle(state, _asks(state, asks), [], config)


def _verify(state: NodeState | None, message: Verify, config: DedupConfig) -> NodeResult:
    asker = message["from"]
    if state is None:  # expired meanwhile: no link
        gone: Verified = {
            "type": "verified",
            "from": message.get("to"),
            "similarity": 0.0,
            "rule": None,
            "story": None,
        }
        return NodeResult(None, [Send(NODES_TOPIC, asker["id"], gone)], [])
    similarity, rule = link_rule(state["article"], asker, config)
    sends: list[Send] = []
    verdicts: list[Verdict] = []
    if rule is not None:
        state = _add_neighbor(state, asker["id"], similarity, rule)
        state, sends, verdicts = _learn_story(state, message["story"], asker["id"], config)
    reply: Verified = {
        "type": "verified",
        "from": state["article"]["id"],
        "similarity": similarity,
        "rule": rule,
        "story": _story(state),
    }
    return NodeResult(state, [Send(NODES_TOPIC, asker["id"], reply), *sends], verdicts)


def _verified(state: NodeState | None, message: Verified, config: DedupConfig) -> NodeResult:
    if state is None:
        return NodeResult(None, [], [])
    state = {**state, "awaiting": [t for t in state["awaiting"] if t != f"v:{message['from']}"]}
    sends: list[Send] = []
    verdicts: list[Verdict] = []
    other, story = message["from"], message["story"]
    if message["rule"] is not None and other is not None and story is not None:
        state = _add_neighbor(state, other, message["similarity"], message["rule"])
        if story_order(_story(state)) < story_order(story):
            # Our story got smaller after we asked: the new neighbour must hear it.
            update: StoryUpdate = {"type": "story", "from": state["article"]["id"], "story": _story(state)}
            sends.append(Send(NODES_TOPIC, other, update))
        else:
            state, more, verdicts = _learn_story(state, story, other, config)
            sends += more
    return _settle(state, sends, verdicts, config)


def _story_message(state: NodeState | None, message: StoryUpdate, config: DedupConfig) -> NodeResult:
    if state is None:
        return NodeResult(None, [], [])
    state, sends, verdicts = _learn_story(state, message["story"], message["from"], config)
    return NodeResult(state, sends, verdicts)


_NODE_HANDLERS: dict[str, Callable[..., NodeResult]] = {
    "admit": _admit,
    "candidates": _candidates,
    "verify": _verify,
    "verified": _verified,
    "story": _story_message,
}


def link_rule(
    a: Summary | StoryRef, b: Summary | StoryRef, config: DedupConfig = DEFAULT_CONFIG
) -> tuple[float, str | None]:
    """The verified similarity of two articles and the rule that links them (``None``: no link).

    Symmetric, so it does not matter which of the two nodes checks. Empty
    bodies link to nothing, not even to each other.
    """
    if a.get("empty") or b.get("empty") or not a["sketch"] or not b["sketch"]:
        return 0.0, None
    if a["exact"] == b["exact"]:
        return 1.0, "exact_fingerprint"
    similarity = sketch_jaccard(a["sketch"], b["sketch"], config.sketch_size)
    if a["url"] is not None and a["url"] == b["url"]:
        return similarity, "same_url"
    if similarity >= config.near_threshold:
        return similarity, "near_jaccard"
    if containment(a, b, similarity, config) >= config.containment_threshold:
        return similarity, "near_containment"
    return similarity, None


def containment(
    a: Summary | StoryRef, b: Summary | StoryRef, jaccard: float, config: DedupConfig = DEFAULT_CONFIG
) -> float:
    """The share of the shorter article's shingles that the longer one holds.

    From the Jaccard and the two set sizes (``|A ∩ B| = J (|A| + |B|) / (1 + J)``),
    so it is exact where the Jaccard is. 0 when the shorter holds less than
    ``containment_min_ratio`` of the longer: a paragraph quoted in a long piece is
    not a re-post of it, and a text of a line or two is too short to tell.
    """
    sizes = sorted((a.get("shingles") or 0, b.get("shingles") or 0))
    if sizes[0] < max(config.containment_min_shingles, config.containment_min_ratio * sizes[1]):
        return 0.0
    shared = jaccard * (sizes[0] + sizes[1]) / (1 + jaccard)
    return round(min(shared / sizes[0], 1.0), 4)


def _story(state: NodeState) -> StoryRef:
    return state["story"] or story_ref(state["article"])


def story_of(state: NodeState) -> str:
    """The id of the story the node's article is in, as far as it knows."""
    return _story(state)["id"]


def _add_neighbor(state: NodeState, other: str, similarity: float, rule: str) -> NodeState:
    neighbors = {**state["neighbors"], other: [similarity, rule]}
    checked = state["checked"] if other in state["checked"] else sorted([*state["checked"], other])
    return {**state, "neighbors": neighbors, "checked": checked}


def _learn_story(
    state: NodeState, story: StoryRef, source: str | None, config: DedupConfig
) -> tuple[NodeState, list[Send], list[Verdict]]:
    """Adopt ``story`` if it sorts before ours; tell every other neighbour; re-judge."""
    if story_order(story) >= story_order(_story(state)):
        return state, [], []
    own = story["id"] == state["article"]["id"]
    state = {**state, "story": None if own else story}
    update: StoryUpdate = {"type": "story", "from": state["article"]["id"], "story": story}
    sends = [Send(NODES_TOPIC, n, update) for n in sorted(state["neighbors"]) if n != source]
    return state, sends, [_verdict(state, config)] if state["decided"] else []


def _settle(state: NodeState, sends: list[Send], verdicts: list[Verdict], config: DedupConfig) -> NodeResult:
    """Give the first verdict once every bucket and verification has answered."""
    if state["awaiting"] or state["decided"]:
        return NodeResult(state, sends, verdicts)
    state = {**state, "decided": True}
    verdict = _verdict(state, config)
    return NodeResult(state, sends, [*verdicts, verdict], verdict.status == "unique")


def verdict_of(state: NodeState | None, config: DedupConfig = DEFAULT_CONFIG) -> Verdict | None:
    """The node's current verdict; ``None`` until it has given its first."""
    return _verdict(state, config) if state and state["decided"] else None


def _verdict(state: NodeState, config: DedupConfig) -> Verdict:
    me = state["article"]
    story = state["story"]
    if story is None:
        revised = state["revised"]
        rule = "empty_body" if me["empty"] else ("revision" if revised else "first_of_story")
        return Verdict(
            article_id=me["id"],
            status="unique",
            duplicate_of=None,
            kind="revision" if revised else None,
            similarity=None,
            story_id=me["id"],
            rule=rule,
            published_at=me["published_at"],
        )
    similarity, direct_rule = link_rule(me, story, config)
    # Below the threshold the article joined the story through another member.
    rule = direct_rule or "near_via_story"
    kinds: dict[str, Literal["exact", "revision", "containment"]] = {
        "exact_fingerprint": "exact",
        "same_url": "revision",
        "near_containment": "containment",
    }
    kind: Literal["exact", "near", "revision", "containment"] = kinds.get(rule, "near")
    return Verdict(
        article_id=me["id"],
        status="duplicate",
        duplicate_of=story["id"],
        kind=kind,
        similarity=similarity,
        story_id=story["id"],
        rule=rule,
        published_at=me["published_at"],
    )
