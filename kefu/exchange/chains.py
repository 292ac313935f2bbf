"""Assets, networks and what a customer tells us about a transfer: addresses, memos, TxIDs, amounts.

Pure functions, no database. `check_transfer` is the one most callers want: it validates everything a
deposit or withdrawal report holds and explains mismatches (a TRON address reported as ERC20, a memo
chain without a memo, a TxID of another chain) in the current language.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from kefu.exchange.encoding import (
    RIPPLE_ALPHABET,
    DecodeError,
    b58check_decode,
    b58decode,
    crc16_xmodem,
    keccak256,
    segwit_decode,
)

EVM = "evm"


@dataclass(frozen=True)
class Network:
    code: str
    name: str
    family: str  # evm, bitcoin, litecoin, tron, solana, xrp, eos, ton
    native: str
    # What the chain calls the extra field a shared exchange deposit address needs ("" if none).
    memo_kind: str = ""
    aliases: tuple[str, ...] = ()
    explorer_tx: str = ""
    explorer_address: str = ""
    token_standard: str = ""

    @property
    def needs_memo(self) -> bool:
        return bool(self.memo_kind)

    def tx_url(self, txid: str) -> str:
        return self.explorer_tx.format(txid=txid)

    def address_url(self, address: str) -> str:
        return self.explorer_address.format(address=address)


NETWORKS: dict[str, Network] = {n.code: n for n in [
    Network("BTC", "Bitcoin", "bitcoin", "BTC", aliases=("BITCOIN", "SEGWIT", "BTC-SEGWIT"),
            explorer_tx="https://mempool.space/tx/{txid}", explorer_address="https://mempool.space/address/{address}"),
    Network("LTC", "Litecoin", "litecoin", "LTC", aliases=("LITECOIN",),
            explorer_tx="https://litecoinspace.org/tx/{txid}",
            explorer_address="https://litecoinspace.org/address/{address}"),
    Network("ETH", "Ethereum", EVM, "ETH", aliases=("ERC20", "ERC-20", "ETHEREUM"), token_standard="ERC20",
            explorer_tx="https://etherscan.io/tx/{txid}", explorer_address="https://etherscan.io/address/{address}"),
    Network("BSC", "BNB Smart Chain", EVM, "BNB", aliases=("BEP20", "BEP-20", "BNB", "BNB SMART CHAIN",
                                                           "BINANCE SMART CHAIN"), token_standard="BEP20",
            explorer_tx="https://bscscan.com/tx/{txid}", explorer_address="https://bscscan.com/address/{address}"),
    Network("POLYGON", "Polygon PoS", EVM, "POL", aliases=("MATIC", "POL", "POLYGON POS"),
            explorer_tx="https://polygonscan.com/tx/{txid}",
            explorer_address="https://polygonscan.com/address/{address}"),
    Network("ARBITRUM", "Arbitrum One", EVM, "ETH", aliases=("ARB", "ARBITRUM ONE"),
            explorer_tx="https://arbiscan.io/tx/{txid}", explorer_address="https://arbiscan.io/address/{address}"),
    Network("TRON", "TRON", "tron", "TRX", aliases=("TRC20", "TRC-20", "TRX"), token_standard="TRC20",
            explorer_tx="https://tronscan.org/#/transaction/{txid}",
            explorer_address="https://tronscan.org/#/address/{address}"),
    Network("SOL", "Solana", "solana", "SOL", aliases=("SOLANA", "SPL"), token_standard="SPL",
            explorer_tx="https://solscan.io/tx/{txid}", explorer_address="https://solscan.io/account/{address}"),
    Network("XRP", "XRP Ledger", "xrp", "XRP", memo_kind="tag", aliases=("RIPPLE", "XRPL"),
            explorer_tx="https://xrpscan.com/tx/{txid}", explorer_address="https://xrpscan.com/account/{address}"),
    Network("EOS", "EOS", "eos", "EOS", memo_kind="memo",
            explorer_tx="https://bloks.io/transaction/{txid}", explorer_address="https://bloks.io/account/{address}"),
    Network("TON", "TON", "ton", "TON", memo_kind="comment", aliases=("TONCOIN", "THE OPEN NETWORK"),
            explorer_tx="https://tonviewer.com/transaction/{txid}",
            explorer_address="https://tonviewer.com/{address}"),
]}

# Which networks the exchange supports for each asset, and how many decimals its amounts may have.
ASSETS: dict[str, tuple[tuple[str, ...], int]] = {
    "BTC": (("BTC",), 8),
    "LTC": (("LTC",), 8),
    "ETH": (("ETH", "ARBITRUM"), 18),
    "BNB": (("BSC",), 18),
    "POL": (("POLYGON",), 18),
    "TRX": (("TRON",), 6),
    "SOL": (("SOL",), 9),
    "XRP": (("XRP",), 6),
    "EOS": (("EOS",), 4),
    "TON": (("TON",), 9),
    "USDT": (("TRON", "ETH", "BSC", "SOL", "TON", "POLYGON", "ARBITRUM"), 6),
    "USDC": (("ETH", "SOL", "BSC", "POLYGON", "ARBITRUM"), 6),
}

_SEPARATORS = re.compile(r"[\s_\-()（）]+")


def get_network(text: str) -> Network | None:
    """The network a customer means by "ERC20", "trc-20", "BNB Smart Chain (BEP20)", "Solana"..."""
    if not text:
        return None
    raw = text.strip().upper()
    if raw in NETWORKS:
        return NETWORKS[raw]
    squashed = _SEPARATORS.sub("", raw)
    for network in NETWORKS.values():
        names = {network.code, network.name.upper(), *network.aliases}
        if raw in names or squashed in {_SEPARATORS.sub("", n) for n in names}:
            return network
    # "BNB Smart Chain (BEP20)": any alias inside the text.
    for network in NETWORKS.values():
        if any(_SEPARATORS.sub("", a) in squashed for a in network.aliases if len(a) >= 5):
            return network
    return None


def asset_networks(asset: str) -> tuple[str, ...]:
    return ASSETS.get((asset or "").strip().upper(), ((), 0))[0]


# --- addresses ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AddressCheck:
    valid: bool
    normalized: str = ""
    problem: str = ""  # a code: format, checksum, prefix, length, no-checksum (valid but unchecked)
    embedded_tag: int | None = None  # XRP X-addresses carry the destination tag inside


def to_checksum_address(address: str) -> str:
    """EIP-55: upper-case each hex letter whose nibble in keccak256(lowercase hex) is >= 8."""
    hex_part = address[2:].lower()
    digest = keccak256(hex_part.encode()).hex()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(hex_part))


_EVM_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")


def _check_evm(address: str) -> AddressCheck:
    if not _EVM_RE.match(address):
        return AddressCheck(False, problem="format")
    checksummed = to_checksum_address(address)
    hex_part = address[2:]
    if hex_part == hex_part.lower() or hex_part == hex_part.upper():
        return AddressCheck(True, checksummed, problem="no-checksum")
    if address != checksummed:
        return AddressCheck(False, problem="checksum")
    return AddressCheck(True, checksummed)


def _check_base58_versions(address: str, versions: set[int], length: int = 21) -> AddressCheck:
    try:
        payload = b58check_decode(address)
    except DecodeError:
        return AddressCheck(False, problem="checksum" if _looks_base58(address) else "format")
    if len(payload) != length or payload[0] not in versions:
        return AddressCheck(False, problem="prefix")
    return AddressCheck(True, address)


def _looks_base58(text: str) -> bool:
    return bool(re.fullmatch(r"[1-9A-HJ-NP-Za-km-z]{25,50}", text))


def _check_segwit(hrp: str, address: str) -> AddressCheck:
    try:
        segwit_decode(hrp, address)
    except DecodeError:
        return AddressCheck(False, problem="checksum")
    return AddressCheck(True, address.lower())


def _check_bitcoin(address: str) -> AddressCheck:
    if address.lower().startswith("bc1"):
        return _check_segwit("bc", address)
    if address[:1] in ("1", "3"):
        return _check_base58_versions(address, {0x00, 0x05})
    return AddressCheck(False, problem="format")


def _check_litecoin(address: str) -> AddressCheck:
    if address.lower().startswith("ltc1"):
        return _check_segwit("ltc", address)
    if address[:1] in ("L", "M", "3"):
        return _check_base58_versions(address, {0x30, 0x32, 0x05})
    return AddressCheck(False, problem="format")


def _check_tron(address: str) -> AddressCheck:
    if len(address) != 34 or not address.startswith("T"):
        return AddressCheck(False, problem="format")
    return _check_base58_versions(address, {0x41})


def _check_solana(address: str) -> AddressCheck:
    if not re.fullmatch(r"[1-9A-HJ-NP-Za-km-z]{32,44}", address):
        return AddressCheck(False, problem="format")
    if len(b58decode(address)) != 32:
        return AddressCheck(False, problem="length")
    return AddressCheck(True, address)


def _check_xrp(address: str) -> AddressCheck:
    if address.startswith("X") and len(address) == 47:
        return _check_xrp_x_address(address)
    if not address.startswith("r") or not 25 <= len(address) <= 35:
        return AddressCheck(False, problem="format")
    try:
        payload = b58check_decode(address, RIPPLE_ALPHABET)
    except DecodeError:
        return AddressCheck(False, problem="checksum")
    if len(payload) != 21 or payload[0] != 0:
        return AddressCheck(False, problem="prefix")
    return AddressCheck(True, address)


def _check_xrp_x_address(address: str) -> AddressCheck:
    """XLS-5d X-address: prefix 0x05 0x44 (main net), account id, flag, 64-bit tag, checksum."""
    try:
        payload = b58check_decode(address, RIPPLE_ALPHABET)
    except DecodeError:
        return AddressCheck(False, problem="checksum")
    if len(payload) != 31 or payload[:2] != b"\x05\x44" or payload[22] not in (0, 1):
        return AddressCheck(False, problem="prefix")
    tag = int.from_bytes(payload[23:31], "little") if payload[22] == 1 else None
    return AddressCheck(True, address, embedded_tag=tag)


_EOS_RE = re.compile(r"^[a-z1-5.]{1,12}$")


def _check_eos(address: str) -> AddressCheck:
    if not _EOS_RE.match(address) or address.endswith("."):
        return AddressCheck(False, problem="format")
    return AddressCheck(True, address)


_TON_RAW_RE = re.compile(r"^(0|-1):[0-9a-fA-F]{64}$")


def _check_ton(address: str) -> AddressCheck:
    if _TON_RAW_RE.match(address):
        return AddressCheck(True, address.lower())
    if len(address) != 48 or not re.fullmatch(r"[A-Za-z0-9+/_-]{48}", address):
        return AddressCheck(False, problem="format")
    try:
        raw = base64.urlsafe_b64decode(address.replace("+", "-").replace("/", "_"))
    except ValueError:
        return AddressCheck(False, problem="format")
    if len(raw) != 36 or raw[0] & 0x7F not in (0x11, 0x51) or raw[1] not in (0x00, 0xFF):
        return AddressCheck(False, problem="prefix")
    if crc16_xmodem(raw[:34]) != int.from_bytes(raw[34:], "big"):
        return AddressCheck(False, problem="checksum")
    if raw[0] & 0x80:
        return AddressCheck(False, problem="testnet")
    return AddressCheck(True, address)


_ADDRESS_CHECKS = {
    EVM: _check_evm, "bitcoin": _check_bitcoin, "litecoin": _check_litecoin, "tron": _check_tron,
    "solana": _check_solana, "xrp": _check_xrp, "eos": _check_eos, "ton": _check_ton,
}


def validate_address(network: Network | str, address: str) -> AddressCheck:
    """Whether `address` is a well-formed address on `network` (checksums verified)."""
    network = NETWORKS[network] if isinstance(network, str) else network
    address = (address or "").strip()
    if not address:
        return AddressCheck(False, problem="empty")
    return _ADDRESS_CHECKS[network.family](address)


def networks_for_address(address: str) -> list[str]:
    """Every network code on which `address` is valid (an EVM address is valid on all EVM chains)."""
    address = (address or "").strip()
    valid_in: dict[str, bool] = {}  # one check per address family (EVM networks share one)
    for network in NETWORKS.values():
        if network.family not in valid_in:
            valid_in[network.family] = bool(address) and _ADDRESS_CHECKS[network.family](address).valid
    return [code for code, network in NETWORKS.items() if valid_in[network.family]]


# --- memos, TxIDs, amounts ---------------------------------------------------------------------

MAX_XRP_TAG = 2**32 - 1


def validate_memo(network: Network | str, memo: str) -> str:
    """"" if the memo is acceptable on this network, else a problem code (missing, format, length)."""
    network = NETWORKS[network] if isinstance(network, str) else network
    memo = (memo or "").strip()
    if not network.needs_memo:
        return ""
    if not memo:
        return "missing"
    if network.memo_kind == "tag":
        if not memo.isdigit() or int(memo) > MAX_XRP_TAG:
            return "format"
    elif len(memo.encode()) > (256 if network.family == "eos" else 120):
        return "length"
    return ""


_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


def validate_txid(network: Network | str, txid: str) -> str:
    """The TxID normalized the way the network's explorers show it, or "" if it cannot be one."""
    network = NETWORKS[network] if isinstance(network, str) else network
    txid = (txid or "").strip()
    if network.family == EVM:
        return txid.lower() if re.fullmatch(r"0x[0-9a-fA-F]{64}", txid) else ""
    if network.family == "solana":
        ok = re.fullmatch(r"[1-9A-HJ-NP-Za-km-z]{64,90}", txid) and len(b58decode(txid)) == 64
        return txid if ok else ""
    if network.family == "ton" and re.fullmatch(r"[A-Za-z0-9+/_-]{43}=?", txid):
        return txid
    if not _HEX64.match(txid):
        return ""
    return txid.upper() if network.family == "xrp" else txid.lower()


def networks_for_txid(txid: str) -> list[str]:
    return [code for code, network in NETWORKS.items() if validate_txid(network, txid)]


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


def parse_amount(text: str | int | float | Decimal, asset: str = "") -> Decimal:
    """A positive Decimal from "1,250.5", "500 USDT", "５００"; ValueError with a reason otherwise."""
    if isinstance(text, Decimal | int):
        value = Decimal(text)
    else:
        cleaned = str(text).translate(_FULL_WIDTH).strip()
        if asset:
            cleaned = re.sub(rf"\s*{re.escape(asset)}\s*$", "", cleaned, flags=re.IGNORECASE)
        if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
            cleaned = cleaned.replace(",", "")
        if not re.fullmatch(r"\d+(\.\d+)?", cleaned):
            raise ValueError("not-a-number")
        try:
            value = Decimal(cleaned)
        except InvalidOperation as error:
            raise ValueError("not-a-number") from error
    if value <= 0:
        raise ValueError("not-positive")
    decimals = ASSETS.get(asset.upper(), ((), 18))[1] if asset else 18
    if -value.as_tuple().exponent > decimals:
        raise ValueError("too-many-decimals")
    return value


# --- the whole report ---------------------------------------------------------------------------

@dataclass
class Finding:
    code: str
    severity: str  # error (cannot go on), warning (a likely mistake), info
    field: str
    message: str


@dataclass
class TransferCheck:
    """Everything kefu can tell from what the customer entered, before looking at the chain."""

    asset: str = ""
    network: str = ""
    address: str = ""
    memo: str = ""
    txid: str = ""
    amount: Decimal | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def add(self, code: str, severity: str, field_name: str, message: str) -> None:
        self.findings.append(Finding(code, severity, field_name, message))

    def explorer_links(self) -> dict[str, str]:
        network = NETWORKS.get(self.network)
        links = {}
        if network and self.txid:
            links["tx"] = network.tx_url(self.txid)
        if network and self.address:
            links["address"] = network.address_url(self.address)
        return links


def network_label(code: str) -> str:
    network = NETWORKS.get(code)
    if network is None:
        return code
    return f"{network.name} ({network.token_standard})" if network.token_standard else network.name


def _labels(codes: list[str] | tuple[str, ...]) -> str:
    return ", ".join(network_label(c) for c in codes)


def _check_asset_network(result: TransferCheck, asset: str, network_text: str) -> Network | None:
    if asset and asset not in ASSETS:
        result.add("unknown_asset", "error", "asset",
                   _("%(asset)s is not an asset this exchange lists.") % {"asset": asset})
    network = get_network(network_text)
    if network_text and network is None:
        result.add("unknown_network", "error", "network",
                   _("%(network)s is not a network we know.") % {"network": network_text})
    elif network is not None:
        result.network = network.code
        supported = asset_networks(asset)
        if asset in ASSETS and network.code not in supported:
            result.add("asset_not_on_network", "warning", "network",
                       _("This exchange does not support %(asset)s on %(network)s (supported: %(supported)s). "
                         "Funds sent this way need a wrong-network recovery.")
                       % {"asset": asset, "network": network_label(network.code), "supported": _labels(supported)})
    return network


def _check_address(result: TransferCheck, network: Network, address: str) -> AddressCheck:
    check = validate_address(network, address)
    if check.valid:
        result.address = check.normalized
        if network.family == EVM:
            others = [c for c, n in NETWORKS.items() if n.family == EVM]
            result.add("evm_same_address", "info", "address",
                       _("An 0x address is the same on every EVM network (%(networks)s). Tokens sent on another "
                         "EVM network than %(network)s arrive at this address on that network, so check which "
                         "network the transfer used.") % {"networks": _labels(others),
                                                          "network": network_label(network.code)})
        return check
    elsewhere = networks_for_address(address)
    if elsewhere:
        result.add("address_other_network", "error", "address",
                   _("This looks like a %(found)s address, but the network given is %(network)s. Sending to it "
                     "on the wrong network can lose the funds; choose the network the address belongs to.")
                   % {"found": _labels(elsewhere), "network": network_label(network.code)})
    elif check.problem == "checksum":
        result.add("address_checksum", "error", "address",
                   _("The address has a typo: its checksum does not match. Copy it again instead of typing it."))
    else:
        result.add("invalid_address", "error", "address",
                   _("This is not a valid %(network)s address.") % {"network": network_label(network.code)})
    return check


def _check_memo(result: TransferCheck, network: Network, memo: str, embedded_tag: int | None) -> None:
    memo = (memo or "").strip()
    if not network.needs_memo:
        if memo:
            result.add("memo_not_needed", "info", "memo",
                       _("%(network)s transfers do not use a memo or tag; it is ignored.")
                       % {"network": network_label(network.code)})
        return
    if embedded_tag is not None and not memo:
        memo = str(embedded_tag)
    problem = validate_memo(network, memo)
    kind = {"tag": _("destination tag"), "memo": _("memo"), "comment": _("comment (memo)")}[network.memo_kind]
    if problem == "missing":
        result.add("missing_memo", "warning", "memo",
                   _("%(network)s deposits to an exchange need a %(kind)s. Without it the deposit cannot be "
                     "credited automatically and needs a recovery case.")
                   % {"network": network_label(network.code), "kind": kind})
    elif problem:
        result.add("invalid_memo", "error", "memo",
                   _("This is not a valid %(kind)s for %(network)s.")
                   % {"kind": kind, "network": network_label(network.code)})
    else:
        result.memo = memo


def _check_txid(result: TransferCheck, network: Network, txid: str) -> None:
    normalized = validate_txid(network, txid)
    if normalized:
        result.txid = normalized
        return
    elsewhere = [c for c in networks_for_txid(txid) if NETWORKS[c].family != network.family]
    if elsewhere:
        result.add("txid_other_network", "error", "txid",
                   _("This TxID has the form of a %(found)s transaction, not a %(network)s one. Check which "
                     "network the transfer used.") % {"found": _labels(elsewhere),
                                                      "network": network_label(network.code)})
    else:
        result.add("invalid_txid", "error", "txid",
                   _("This is not a valid %(network)s transaction id (TxID).")
                   % {"network": network_label(network.code)})


_AMOUNT_MESSAGES = {
    "not-a-number": lambda: _("The amount must be a number, such as 250 or 0.015."),
    "not-positive": lambda: _("The amount must be more than zero."),
    "too-many-decimals": lambda: _("The amount has more decimal places than the asset allows."),
}


def check_transfer(*, asset: str = "", network: str = "", address: str = "", memo: str = "", txid: str = "",
                   amount: str | Decimal | None = None, required: tuple[str, ...] = ()) -> TransferCheck:
    """Validate what a customer reports about a transfer and explain every mismatch found.

    `required` names fields that must be present (asset, network, address, txid, amount). Findings carry a
    code, a severity (error, warning, info), the field and a message in the active language.
    """
    asset = (asset or "").strip().upper()
    result = TransferCheck(asset=asset)
    given = {"asset": asset, "network": network, "address": address, "txid": txid,
             "amount": "" if amount is None else str(amount)}
    for name in required:
        if not str(given.get(name) or "").strip():
            result.add("missing_" + name, "error", name, _("This field is required."))
    network_obj = _check_asset_network(result, asset, (network or "").strip())
    if network_obj is not None:
        embedded = None
        if (address or "").strip():
            embedded = _check_address(result, network_obj, address.strip()).embedded_tag
        if (address or "").strip() or memo:
            _check_memo(result, network_obj, memo, embedded)
        if (txid or "").strip():
            _check_txid(result, network_obj, txid.strip())
    if given["amount"].strip():
        try:
            result.amount = parse_amount(amount, asset)
        except ValueError as error:
            result.add("invalid_amount", "error", "amount", _AMOUNT_MESSAGES[str(error)]())
    return result
