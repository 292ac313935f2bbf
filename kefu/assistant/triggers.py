"""Messages that must reach a person whatever the matcher says: requests for a human, sensitive topics.

Patterns run on normalized text (lower case, Traditional folded to Simplified), so one Chinese list covers
zh-Hans and zh-Hant. They are deliberately specific: "agent fee", "user agent" or "人工智能" are not requests
for a human, and "how do I spot phishing?" is a help-center question, while "I was phished" is an incident.
"""

from __future__ import annotations

import re

from .text import normalize

_EN_PERSON = r"(?:human|person|agent|representative|rep|operator|staff|somebody|someone|advisor|consultant)"
_ASKS_FOR_HUMAN = [
    # Chinese: 人工 (not 人工智能), 真人, 转人工, asking for or contacting 客服.
    re.compile(r"人工(?!智能)"),
    re.compile(r"真人|活人|转接|不要机器人|不想和机器人|你是机器人"),
    re.compile(r"(?:找|要|叫|接|转|联系|联络|呼叫|需要|我想要|请|给我)(?:一个|一位|个|位)?(?:在线|真人|人工)?客服"),
    re.compile(r"客服(?:人员)?(?:在吗|在不在|呢|电话|热线|人呢)"),
    re.compile(r"^\W*(?:客服|人工|真人)\W*$"),
    # English: talk/speak/chat ... to a human/agent/someone; want/need/get a human/agent.
    re.compile(
        r"\b(?:talk|speak|chat|connect|transfer|escalate|reach|contact|call)\b[^.?!]{0,25}?"
        r"\b(?:a |an |the |to |with |me |through )*(?:real |live |actual |human |support |customer service )?"
        + _EN_PERSON + r"s?\b"
    ),
    re.compile(
        r"\b(?:get|need|want|give|put)\b[^.?!]{0,15}?\b(?:a |an |the |me |to |through )*(?:real |live |actual )?"
        r"(?:human|agent|representative|operator|live person|real person)s?\b"
    ),
    re.compile(r"\b(?:real|live|actual)\s+(?:human|person|agent|people)\b"),
    re.compile(r"\b(?:human|agent|operator|representative)\s*(?:please|pls|plz|now)\b"),
    re.compile(r"^\W*(?:human|agent|operator|representative|customer service|live support)\W*$"),
    re.compile(r"\b(?:not|stop|no more|hate)\b[^.?!]{0,12}\b(?:a |the |this |talking to a )?(?:bot|robot|machine)\b"),
    re.compile(r"\bare you (?:a )?(?:bot|robot|human|real)\b"),
]
# Things that look like the words above but are no request for a person.
_NOT_FOR_HUMAN = re.compile(
    r"\b(?:user[- ]agent|agent (?:fee|fees|program|programme|commission|rebate|level|code|link)|"
    r"human verification|human check|(?:become|becoming|join)(?: an?)? agent)\b|人工智能|代理"
)


def asks_for_human(text: str) -> bool:
    """True when the customer asks for a person ("人工", "转人工", "真人", "talk to an agent", "human please")."""
    norm = normalize(text)
    if not norm:
        return False
    cleaned = _NOT_FOR_HUMAN.sub(" ", norm)
    return any(p.search(cleaned) for p in _ASKS_FOR_HUMAN)


_SENSITIVE = [
    # Chinese: theft, hacked accounts, unauthorized activity, SIM swaps, fraud, refunds.
    re.compile(r"被盗|盗号|被黑|黑客|被入侵|被攻击|被骗|诈骗|骗子|被转走|被提走|被提现|被划走|资产丢失|币(?:没了|不见了|丢了)"),
    re.compile(r"不是我(?:本人)?(?:的)?(?:操作|登录|提的|提现|转的|下的单|做的)|非本人|未经(?:我的?)?(?:授权|允许)|未授权|没有授权"),
    re.compile(r"陌生(?:设备|ip|地址|人)(?:登录|登陆)|异地登录|异常登录|有人(?:登录|登陆|盗用|用了|动了)我的"),
    re.compile(r"sim卡?(?:被)?(?:劫持|交换|复制|调包)|手机(?:号|卡)?被(?:盗|换|转|补办|劫持)|换卡攻击|补卡"),
    re.compile(r"钓鱼(?:网站|链接|邮件)?[^。？！]{0,10}(?:输入|登录|点了|点击|泄露|被骗)|(?:点了|点击了|中了)[^。？！]{0,8}钓鱼"),
    re.compile(r"私钥泄露|助记词泄露|密码泄露|泄露了我?的?(?:私钥|助记词|密码|验证码)"),
    re.compile(r"退款|退钱|退还|返还我的?钱|要求赔偿|赔偿"),
    # English.
    re.compile(r"\b(?:hack(?:ed|er|ers)?|compromised|breach(?:ed)?|stolen|stole|theft|drained|emptied)\b"),
    re.compile(r"\b(?:unauthori[sz]ed|did not (?:make|authori[sz]e|do)|didn'?t (?:make|authori[sz]e|do)|"
               r"wasn'?t me|was not me|not made by me|i never (?:made|authori[sz]ed|requested))\b"),
    re.compile(r"\bsomeone (?:else )?(?:logged|log|has logged|accessed|got into|is using|used|withdrew|took|stole)\b"),
    re.compile(r"\b(?:sim[- ]?swap(?:ped|ping)?|sim (?:hijack|card was (?:swapped|cloned|ported))|"
               r"(?:number|sim) (?:was |has been )?(?:ported|hijacked|swapped))\b"),
    re.compile(r"\b(?:phished|scammed|scam(?:mer|mers)?|fraud(?:ulent|ster)?|fell for|clicked (?:a|on a|the) "
               r"(?:phishing|fake|suspicious))\b"),
    re.compile(r"\b(?:leaked|exposed|shared) (?:my )?(?:private key|seed phrase|recovery phrase|password|2fa|otp)\b"),
    re.compile(r"\b(?:refund(?:s|ed|ing)?|money back|chargeback|reimburse(?:ment|d)?|compensat(?:e|ion))\b"),
]


def is_sensitive(text: str) -> bool:
    """True for topics that always reach a person: security incidents, a compromised account, unauthorized
    withdrawals, SIM swaps, fraud and refunds."""
    norm = normalize(text)
    return bool(norm) and any(p.search(norm) for p in _SENSITIVE)
