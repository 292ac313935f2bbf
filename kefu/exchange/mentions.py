"""Crypto-aware messages: TxIDs and addresses a customer writes get their networks and explorer links.

A message filter (after the safety filters, so it sees the redacted text) stores what it found in
`message.meta["exchange"]`; the console shows it under the message. Public data only: explorer links.
"""

from __future__ import annotations

import re

from kefu.exchange import chains

MAX_REFS = 5
_CANDIDATES = re.compile(
    r"\b(0x[0-9a-fA-F]{64}|0x[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|T[1-9A-HJ-NP-Za-km-z]{33}|"
    r"(?:bc1|ltc1)[02-9ac-hj-np-z]{20,80}|r[1-9A-HJ-NP-Za-km-z]{24,34})\b")


def find_references(text: str) -> list[dict]:
    """TxIDs and addresses in `text` with the networks they fit and explorer links."""
    refs: list[dict] = []
    for token in dict.fromkeys(_CANDIDATES.findall(text or "")):
        networks = chains.networks_for_address(token)
        kind = "address"
        if not networks:
            networks, kind = chains.networks_for_txid(token), "txid"
        if not networks:
            continue
        links = {}
        for code in networks:
            network = chains.NETWORKS[code]
            links[code] = network.address_url(token) if kind == "address" else network.tx_url(
                chains.validate_txid(network, token))
        refs.append({"kind": kind, "value": token, "networks": networks, "links": links})
        if len(refs) >= MAX_REFS:
            break
    return refs


def annotate_message(draft) -> None:
    """Message filter: note TxIDs/addresses of customer messages in meta (never changes the body)."""
    if not draft.is_customer:
        return
    refs = find_references(draft.body)
    if refs:
        draft.meta.setdefault("exchange", {})["refs"] = refs
