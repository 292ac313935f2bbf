"""How fast the chain validators and the message scanner are (pure Python, no database).

    .venv/bin/python bench/exchange_validators.py [--rounds 2000]

Prints checks per second for each chain's address validation, for a whole `check_transfer` report, and
for scanning a customer message for TxIDs and addresses.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
os.environ.setdefault("KEFU_VAR_DIR", "/tmp/kefu-bench-exchange")


def rate(label: str, rounds: int, fn) -> None:
    start = time.perf_counter()
    for _ in range(rounds):
        fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<44} {rounds / elapsed:>10,.0f} /s   {elapsed / rounds * 1e6:>8.1f} µs each")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds
    import django

    django.setup()
    from kefu.exchange import chains, fake_data
    from kefu.exchange.mentions import find_references

    samples = {
        "BTC": "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "ETH": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "TRON": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        "SOL": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
        "XRP": "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
        "TON": "EQCD39VS5jcptHL8vMjEXrzGaRcCVYto7HUn4bpAOg8xqB2N",
    }
    print(f"python {sys.version.split()[0]}, {rounds} rounds each")
    for network, address in samples.items():
        rate(f"validate_address {network}", rounds, lambda n=network, a=address: chains.validate_address(n, a))
    rate("networks_for_address (all networks)", rounds, lambda: chains.networks_for_address(samples["TRON"]))
    rate("check_transfer (wrong-network report)", rounds, lambda: chains.check_transfer(
        asset="USDT", network="ERC20", address=samples["TRON"], txid="0x" + "ab" * 32, amount="500"))
    message = (f"Hi, I sent 300 USDT, TxID {fake_data.CHEN_BSC_TXID} to {fake_data.EXCHANGE_DEPOSIT['ETH']} "
               "two hours ago and it is not in my account. Order 884213.")
    rate("find_references (message with a TxID + address)", rounds, lambda: find_references(message))
    plain = "你好，我两个小时前充值了 500 USDT，但是账户里还没有到账，请帮我查一下。订单号 884213。"
    rate("find_references (message without any)", rounds, lambda: find_references(plain))


if __name__ == "__main__":
    main()
