"""Demo cases for `kefu demo`, on the demo customers whose accounts the fake exchange knows."""

from __future__ import annotations

from django.db import transaction

from kefu.accounts.models import Agent
from kefu.conversations.models import Message
from kefu.conversations.services import Actor
from kefu.exchange import cases, fake_data
from kefu.exchange.models import Case

# uid, kind, fields, steps [(agent username, action, argument)]
DEMO_CASES = [
    ("100234", "deposit_not_credited",
     {"asset": "USDT", "network": "TRC20", "txid": fake_data.CHEN_DEPOSIT_TXID, "amount": "500",
      "address": fake_data.EXCHANGE_DEPOSIT["TRON"]},
     [("wang", "move", "verifying")]),
    ("100234", "wrong_network",
     {"asset": "USDT", "network": "BEP20", "address": fake_data.EXCHANGE_DEPOSIT["ETH"],
      "txid": fake_data.CHEN_BSC_TXID, "amount": "300",
      "description": "我把 USDT 用 BSC 网络转到了 ERC20 充值地址。"},
     [("wang", "move", "verifying"), ("wang", "propose", "链上记录与描述一致，地址为我方 ETH 充值地址。")]),
    ("400119", "withdrawal_failed",
     {"asset": "ETH", "network": "ETH", "amount": "1.2", "reference": "W-55310",
      "txid": fake_data.MARIA_WITHDRAWAL_TXID, "description": "Withdrawal shows failed, 1.2 ETH still locked."},
     [("alice", "move", "verifying"), ("alice", "ask", "Please confirm the destination address is yours.")]),
    ("500330", "wrong_network",
     {"asset": "XRP", "network": "XRP", "address": fake_data.EXCHANGE_DEPOSIT["XRP"],
      "txid": fake_data.KENJI_XRP_TXID, "amount": "250", "description": "I forgot the destination tag."},
     []),
]


def _conversation(uid: str):
    first = Message.objects.filter(client_id=f"demo-{uid}-1", seq=1).select_related("conversation__contact").first()
    return first.conversation if first else None


@transaction.atomic
def load(stdout) -> None:
    """Open the demo cases once (idempotent), each at a different step of its life."""
    made = 0
    for uid, kind, fields, steps in DEMO_CASES:
        conversation = _conversation(uid)
        if conversation is None or Case.objects.filter(conversation=conversation, kind=kind).exists():
            continue
        case = cases.open_case(conversation, Actor.for_customer(conversation.contact), kind, fields)
        for username, action, argument in steps:
            actor = Actor.for_agent(Agent.objects.get(username=username))
            if action == "move":
                case = cases.move_case(case, actor, argument)
            elif action == "ask":
                case = cases.move_case(case, actor, "awaiting_customer", argument)
            else:
                case = cases.propose_approval(case, actor, argument)
        made += 1
    stdout.write(f"  Exchange cases:   {made} demo case(s) created; help-center forms at /help/cases/deposit\n"
                 "  Fake exchange:    kefu exchange fake --port 8100, then run kefu with\n"
                 "                    KEFU_EXCHANGE_URL=http://127.0.0.1:8100\n"
                 "                    KEFU_EXCHANGE_SECRET=demo-exchange-secret\n"
                 "  Freeze form:      /exchange/freeze/\n")
