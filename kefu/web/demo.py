"""Demo data for `kefu demo`: a fictional exchange ("Lanting Exchange") with its support desk.

All names, accounts and stories are invented for the demo.
"""

from __future__ import annotations

from django.db import transaction

from kefu.accounts.models import Agent, Role, Team
from kefu.accounts.services import create_agent
from kefu.channels.models import ChannelKind, Inbox
from kefu.contacts.services import find_or_create_contact, update_contact
from kefu.conversations import services
from kefu.conversations.models import Conversation
from kefu.conversations.taxonomy import Category, Priority, Status

DEMO_PASSWORD = "kefu-demo-2026"
DEMO_WIDGET_KEY = "demo-webchat"
DEMO_IDENTITY_SECRET = "demo-identity-secret-change-me"

TEAMS = [
    ("general", "General support", "Accounts, KYC, trading questions and everything else."),
    ("funds", "Deposits & withdrawals", "Missing deposits, wrong networks or memos, failed withdrawals."),
    ("security", "Security (24/7)", "Compromised accounts, phishing and account freezes."),
]

AGENTS = [
    # username, display name, role, language, teams
    ("admin", "Admin", Role.ADMIN, "en", []),
    ("lin", "Lin (supervisor)", Role.SUPERVISOR, "zh-hans", ["general", "funds", "security"]),
    ("alice", "Alice", Role.AGENT, "en", ["general", "funds"]),
    ("wang", "小王", Role.AGENT, "zh-hans", ["general", "funds"]),
    ("sam", "Sam", Role.AGENT, "en", ["security"]),
]

# contact (external_id, name, email, language, vip), inbox kind, category, priority, status,
# assignee, team, messages [(author, body)]
CONVERSATIONS = [
    (("100234", "陈女士", "chen.demo@example.com", "zh-hans", 2), ChannelKind.WEBCHAT,
     Category.DEPOSIT_NOT_CREDITED, Priority.HIGH, Status.OPEN, "wang", "funds", [
         ("customer", "你好，我两个小时前从钱包充值了 500 USDT（TRC20），区块浏览器显示已确认，但账户里还没到账。"),
         ("agent", "您好陈女士，我来帮您查询。请提供一下交易哈希（TxID），我们核对一下链上记录。"),
         ("customer", "TxID 是 7f3c9a0d2b…e41，我截图也可以发给您。"),
         ("note", "链上 20 个确认已完成，充值地址正确。已转交资金组核对入账队列。"),
     ]),
    (("200871", "Daniel Okafor", "daniel.demo@example.com", "en", 0), ChannelKind.WEBCHAT,
     Category.ACCOUNT_2FA, Priority.NORMAL, Status.PENDING, "alice", "general", [
         ("customer", "I changed phones and lost my authenticator app. How do I get back into my account?"),
         ("agent", "Sorry about that, Daniel. You can start a 2FA reset from the login page: choose "
                   "'Lost access to authenticator'. It asks for a selfie check and takes up to 24 hours. "
                   "Please never share backup codes with anyone, including us."),
     ]),
    (("300552", "刘先生", "liu.demo@example.com", "zh-hans", 5), ChannelKind.WEBCHAT,
     Category.TRADING_FUTURES, Priority.NORMAL, Status.NEW, None, "general", [
         ("customer", "我的 BTC 永续合约昨晚被强平了，但我看标记价格并没有到我的强平价，想了解一下原因。"),
     ]),
    (("400119", "Maria Santos", "maria.demo@example.com", "en", 1), ChannelKind.API,
     Category.WITHDRAWAL_FAILED, Priority.HIGH, Status.OPEN, None, "funds", [
         ("customer", "My ETH withdrawal has shown 'failed' for an hour and the amount is still locked."),
         ("note", "Node sync issue on ETH hot wallet this morning; ops ticket OPS-2291."),
     ]),
    (("500330", "Kenji Watanabe", "kenji.demo@example.com", "en", 0), ChannelKind.WEBCHAT,
     Category.SECURITY_PHISHING, Priority.URGENT, Status.OPEN, "sam", "security", [
         ("customer", "Someone on Telegram says they are Lanting support and wants me to 'verify' my wallet. "
                      "Is that you?"),
         ("agent", "No, that is not us. Lanting support only talks to you here in the help center chat and "
                   "by email signed with your anti-phishing code. Please block that account and do not "
                   "send anything."),
     ]),
    (("600778", "赵女士", "zhao.demo@example.com", "zh-hans", 0), ChannelKind.WEBCHAT,
     Category.ACCOUNT_KYC, Priority.LOW, Status.SOLVED, "wang", "general", [
         ("customer", "身份认证一直显示审核中，已经三天了。"),
         ("agent", "您好，已为您加急处理，现在认证已通过，请刷新页面查看。"),
         ("customer", "看到了，谢谢！"),
     ]),
]


def _ensure_teams() -> dict[str, Team]:
    teams = {}
    for slug, name, description in TEAMS:
        teams[slug], _ = Team.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
    return teams


def _ensure_agents() -> dict[str, Agent]:
    agents = {}
    for username, name, role, language, team_slugs in AGENTS:
        agent = Agent.objects.filter(username=username).first()
        if agent is None:
            agent = create_agent(username, DEMO_PASSWORD, email=f"{username}@support.example.com", role=role,
                                 display_name=name, language=language, teams=team_slugs, check_password=False)
        agents[username] = agent
    return agents


def _ensure_inboxes(teams: dict[str, Team]) -> dict[str, Inbox]:
    webchat, _ = Inbox.objects.get_or_create(public_key=DEMO_WIDGET_KEY, defaults={
        "name": "Lanting web chat", "kind": ChannelKind.WEBCHAT, "hmac_secret": DEMO_IDENTITY_SECRET,
        "default_team": teams["general"],
        "greeting_en": "Hi! Ask us anything about your Lanting account. We never ask for passwords or keys.",
        "greeting_zh_hans": "您好！有任何关于兰亭账户的问题都可以问我们。我们绝不会索要密码或私钥。",
    })
    api = Inbox.objects.filter(kind=ChannelKind.API, is_default_api_inbox=True).first()
    if api is None:
        api = Inbox.objects.create(name="Exchange backend (API)", kind=ChannelKind.API, is_default_api_inbox=True,
                                   default_team=teams["general"])
    return {ChannelKind.WEBCHAT: webchat, ChannelKind.API: api}


def _load_conversation(spec, inboxes, agents, teams) -> None:
    (uid, name, email, language, vip), kind, category, priority, status, assignee, team, messages = spec
    contact, _ = find_or_create_contact(external_id=uid, email=email, name=name, language=language)
    update_contact(contact, vip_tier=vip)
    customer = services.Actor.for_customer(contact)
    handler = agents[assignee] if assignee else agents["lin"]
    conversation, _ = services.create_conversation(
        inboxes[kind], contact, customer, body=messages[0][1], language=language, category=category,
        priority=priority, client_id=f"demo-{uid}-1",
    )
    services.update_conversation(conversation, services.Actor.for_agent(agents["lin"]), services.Changes(
        team=teams[team], assignee=agents[assignee] if assignee else None))
    for index, (author, body) in enumerate(messages[1:], start=2):
        if author == "customer":
            services.post_message(conversation, customer, body, client_id=f"demo-{uid}-{index}")
        else:
            services.post_message(conversation, services.Actor.for_agent(handler), body,
                                  internal=author == "note", client_id=f"demo-{uid}-{index}")
    conversation.refresh_from_db()
    if status != conversation.status:
        services.update_conversation(conversation, services.Actor.for_agent(handler), services.Changes(status=status))


@transaction.atomic
def load_demo() -> dict:
    """Create the demo desk once; running it again changes nothing."""
    created = not Inbox.objects.filter(public_key=DEMO_WIDGET_KEY).exists()
    teams = _ensure_teams()
    agents = _ensure_agents()
    inboxes = _ensure_inboxes(teams)
    if created and not Conversation.objects.exists():
        for spec in CONVERSATIONS:
            _load_conversation(spec, inboxes, agents, teams)
    return {"created": created, "logins": [a[0] for a in AGENTS], "password": DEMO_PASSWORD}
