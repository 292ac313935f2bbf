"""Pluggable chain adapters: look a transaction up on a public block explorer's JSON API.

Two API styles cover most chains: Esplora (Blockstream / mempool.space, Bitcoin and Litecoin) and
Etherscan's proxy module (Etherscan, BscScan, PolygonScan, Arbiscan). Configure one per network:

    KEFU_EXPLORERS="BTC=esplora:https://blockstream.info/api,ETH=etherscan:https://api.etherscan.io/api?apikey=K"

Another style is a class with `lookup(network, txid) -> ChainTransaction | None` added to ADAPTER_STYLES.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings

from kefu.exchange.chains import NETWORKS, to_checksum_address

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


class ExplorerError(Exception):
    """The explorer could not be reached or answered nonsense; the look-up is 'unavailable'."""


@dataclass
class Output:
    address: str
    amount: str = ""  # in whole coins, when the decimals are known
    units: str = ""  # the raw integer amount
    token: str = ""  # token contract for token transfers


@dataclass
class ChainTransaction:
    network: str
    txid: str
    status: str  # confirmed, pending, failed
    confirmations: int | None = None
    from_address: str = ""
    outputs: list[Output] = field(default_factory=list)
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["explorer_url"] = NETWORKS[self.network].tx_url(self.txid) if self.network in NETWORKS else ""
        return data

    def paid_to(self, address: str) -> list[Output]:
        wanted = address.lower()
        return [o for o in self.outputs if o.address.lower() == wanted]


class ChainAdapter(Protocol):
    def lookup(self, network: str, txid: str) -> ChainTransaction | None: ...


def _get_json(url: str, timeout: float) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "kefu"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as error:
        if error.code in (400, 404):
            return None
        raise ExplorerError(f"explorer answered HTTP {error.code}") from error
    except (urllib.error.URLError, TimeoutError) as error:
        raise ExplorerError(f"explorer unreachable: {getattr(error, 'reason', error)}") from error
    try:
        return json.loads(raw)
    except ValueError as error:
        raise ExplorerError("explorer answered with something that is not JSON") from error


class EsploraAdapter:
    """Blockstream's Esplora API: GET /tx/{txid} and /blocks/tip/height."""

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def lookup(self, network: str, txid: str) -> ChainTransaction | None:
        data = _get_json(f"{self.base_url}/tx/{txid}", self.timeout)
        if not isinstance(data, dict):
            return None
        status = data.get("status") or {}
        confirmations = None
        if status.get("confirmed"):
            tip = _get_json(f"{self.base_url}/blocks/tip/height", self.timeout)
            if isinstance(tip, int) and status.get("block_height"):
                confirmations = tip - int(status["block_height"]) + 1
        outputs = [Output(o.get("scriptpubkey_address", ""), str(Decimal(int(o.get("value", 0))) / Decimal(10**8)),
                          str(o.get("value", 0))) for o in data.get("vout", []) if o.get("scriptpubkey_address")]
        return ChainTransaction(network, txid, "confirmed" if status.get("confirmed") else "pending", confirmations,
                                outputs=outputs, source="esplora")


class EtherscanAdapter:
    """Etherscan's proxy module (eth_getTransactionByHash, eth_getTransactionReceipt, eth_blockNumber)."""

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        self.base_url = base_url
        self.timeout = timeout

    def _call(self, action: str, **params: str) -> Any:
        parts = urlsplit(self.base_url)
        query = "&".join(filter(None, [parts.query, urlencode({"module": "proxy", "action": action, **params})]))
        data = _get_json(urlunsplit(parts._replace(query=query)), self.timeout)
        if not isinstance(data, dict):
            raise ExplorerError("explorer answered without a JSON-RPC object")
        return data.get("result")

    def lookup(self, network: str, txid: str) -> ChainTransaction | None:
        tx = self._call("eth_getTransactionByHash", txhash=txid)
        if not isinstance(tx, dict):
            return None
        receipt = self._call("eth_getTransactionReceipt", txhash=txid)
        if not isinstance(receipt, dict):
            return ChainTransaction(network, txid, "pending", 0, tx.get("from", ""), source="etherscan")
        tip = self._call("eth_blockNumber")
        confirmations = None
        if tip and receipt.get("blockNumber"):
            confirmations = int(tip, 16) - int(receipt["blockNumber"], 16) + 1
        outputs = [Output(to_checksum_address(tx["to"]), str(Decimal(int(tx["value"], 16)) / Decimal(10**18)),
                          str(int(tx["value"], 16)))] if tx.get("to") and int(tx.get("value", "0x0"), 16) else []
        for log in receipt.get("logs", []):
            topics = log.get("topics", [])
            if len(topics) == 3 and topics[0] == TRANSFER_TOPIC:
                outputs.append(Output(to_checksum_address("0x" + topics[2][-40:]), units=str(int(log["data"], 16)),
                                      token=to_checksum_address(log["address"])))
        status = "confirmed" if receipt.get("status") == "0x1" else "failed"
        return ChainTransaction(network, txid, status, confirmations, to_checksum_address(tx["from"]), outputs,
                                source="etherscan")


ADAPTER_STYLES: dict[str, type] = {"esplora": EsploraAdapter, "etherscan": EtherscanAdapter}


def parse_explorers(config: str, timeout: float = 5.0) -> dict[str, ChainAdapter]:
    """{"BTC": EsploraAdapter(...), ...} from "BTC=esplora:https://...,ETH=etherscan:https://..."."""
    adapters: dict[str, ChainAdapter] = {}
    for item in filter(None, (part.strip() for part in (config or "").split(","))):
        network, _, rest = item.partition("=")
        style, _, url = rest.partition(":")
        network = network.strip().upper()
        if network not in NETWORKS or style not in ADAPTER_STYLES or not url:
            raise ValueError(f"KEFU_EXPLORERS entry {item!r} is not NETWORK=STYLE:URL "
                             f"(styles: {', '.join(ADAPTER_STYLES)})")
        adapters[network] = ADAPTER_STYLES[style](url, timeout)
    return adapters


def lookup_on_chain(network: str, txid: str) -> dict[str, Any]:
    """Look a transaction up with the configured explorer: {"state": found|not_found|unavailable|unsupported}."""
    adapter = parse_explorers(settings.KEFU_EXPLORERS, settings.KEFU_EXCHANGE_TIMEOUT).get(network)
    if adapter is None:
        return {"state": "unsupported", "network": network}
    try:
        found = adapter.lookup(network, txid)
    except ExplorerError as error:
        return {"state": "unavailable", "network": network, "error": str(error)}
    if found is None:
        return {"state": "not_found", "network": network}
    return {"state": "found", **found.as_dict()}
