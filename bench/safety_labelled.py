"""Generate the labelled messages for the safety guards: bench/data/safety_labelled.jsonl.

Deterministic (fixed seeds): secrets are made here, valid mnemonics and keys included, so nothing real is
ever in the set. Each line: {"id", "guard": "inbound"|"outbound", "lang": "en"|"zh-hans", "group", "text",
"kinds"}; `kinds` is what the guard must report (empty for near-misses and ordinary text).

    .venv/bin/python bench/safety_labelled.py        # rewrites the file
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from kefu.safety.keys import BASE58_ALPHABET, b58check_encode, mnemonic_from_entropy, wordlist

OUT = Path(__file__).resolve().parent / "data" / "safety_labelled.jsonl"
rng = random.Random(20261123)


def rbytes(n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def hex64() -> str:
    return rbytes(32).hex()


def wif(compressed: bool = True, testnet: bool = False) -> str:
    payload = (b"\xef" if testnet else b"\x80") + rbytes(32) + (b"\x01" if compressed else b"")
    return b58check_encode(payload)


def xprv(version: int = 0x0488ADE4) -> str:
    payload = version.to_bytes(4, "big") + b"\x00" + b"\x00" * 4 + b"\x00" * 4 + rbytes(32) + b"\x00" + rbytes(32)
    return b58check_encode(payload)


def seed(language: str, words: int = 12) -> list[str]:
    return mnemonic_from_entropy(rbytes(words * 4 // 3), language)


def bad_checksum(language: str, words: int = 12) -> list[str]:
    phrase = seed(language, words)
    phrase[-1] = wordlist(language)[(wordlist(language).index(phrase[-1]) + 1) % 2048]
    return phrase


def b58(n: int) -> str:
    return "".join(rng.choice(BASE58_ALPHABET) for _ in range(n))


def eth_address() -> str:
    raw = rbytes(20).hex()
    return "0x" + "".join(c.upper() if rng.random() < 0.5 else c for c in raw)


def tron_address() -> str:
    return b58check_encode(b"\x41" + rbytes(20))


def btc_address() -> str:
    return rng.choice([b58check_encode(b"\x00" + rbytes(20)), b58check_encode(b"\x05" + rbytes(20)),
                       "bc1q" + "".join(rng.choice("qpzry9x8gf2tvdw0s3jn54khce6mua7l") for _ in range(38))])


def sol_address() -> str:
    return b58(44)


def order_id() -> str:
    return rng.choice([str(rng.randrange(10**17, 10**18)),
                       f"{rng.randrange(2024, 2027)}{rng.randrange(10**11, 10**12)}",
                       f"ORD-{rng.randrange(10**7, 10**8)}", f"W{rng.randrange(10**15, 10**16)}"])


def uid() -> str:
    return str(rng.randrange(10**7, 10**9))


def otp() -> str:
    return f"{rng.randrange(10**6):06d}"


def api_secret() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(rng.choice([32, 40, 64])))
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


def password() -> str:
    return rng.choice(["Hunter2!x", "abc12345", "P@ssw0rd2024", "Qwerty!23", "moon2themoon", "Lily_19880512",
                       "zhang123456", "Kefu#2026", "a1b2c3d4e5", "Tr0ub4dor&3", "888888aa", "Summer2025!"])


records: list[dict] = []


def add(guard: str, lang: str, group: str, text: str, kinds: list[str] | None = None) -> None:
    records.append({"id": f"{guard[:2]}{len(records) + 1:04d}", "guard": guard, "lang": lang, "group": group,
                    "text": text, "kinds": kinds or []})


def inbound_secrets() -> None:
    en_seed = [
        "my seed phrase is {p}", "{p}", "Here are my 12 words: {p}. Can you restore my wallet?",
        "I think someone stole my coins. recovery phrase:\n{n}", "wallet words {c} please help",
        "{n}", "is this phrase ok? {p}", "MetaMask secret recovery phrase - {p} - what do I do now",
    ]
    for i, template in enumerate(en_seed * 2):
        words = seed("english", 24 if i % 4 == 3 else 12)
        add("inbound", "en", "seed_phrase", template.format(
            p=" ".join(words), c=", ".join(words), n="\n".join(f"{j + 1}. {w}" for j, w in enumerate(words))),
            ["seed_phrase"])
    zh_seed = ["我的助记词是：{s}", "助记词 {s} 请帮我找回资产", "{n}", "这是我钱包的恢复短语\n{s}",
               "我的助记词是{u}", "帮我看看这个助记词{u}是不是对的", "{s}"]
    for i, template in enumerate(zh_seed * 2):
        words = seed("chinese_simplified", 12 if i % 3 else 24)
        add("inbound", "zh-hans", "seed_phrase", template.format(
            s=" ".join(words), u="".join(words), n="\n".join(f"{j + 1}. {w}" for j, w in enumerate(words))),
            ["seed_phrase"])
    for template, lang, language in [("I typed my seed wrong maybe: {p}", "en", "english"),
                                     ("{p}", "en", "english"), ("助记词：{p}", "zh-hans", "chinese_simplified"),
                                     ("my recovery phrase starts with {h}", "en", "english"),
                                     ("助记词前几个是 {h}", "zh-hans", "chinese_simplified")]:
        words = bad_checksum(language)
        add("inbound", lang, "seed_phrase_unverified", template.format(p=" ".join(words), h=" ".join(words[:7])),
            ["seed_phrase"])
    keys = [
        ("en", "my private key is {h}"),
        ("en", "private key: 0x{h}"),
        ("en", "exported privkey {h} from metamask"),
        ("zh-hans", "我的私钥是 {h}"), ("zh-hans", "私钥：0x{h} 帮我看看"), ("en", "WIF: {w}"), ("en", "{w}"),
        ("en", "here is my key {wu}"), ("zh-hans", "导入这个 {w} 后余额不见了"), ("en", "{x}"),
        ("en", "my ledger xprv is {x}"), ("zh-hans", "扩展私钥 {t}"), ("en", "testnet key {wt}"),
        ("en", "solana keypair [{arr}]"), ("zh-hans", "我的钱包私钥 {h}，请帮我转出来"),
        ("en", "Private Key = {h} (from trust wallet)"), ("zh-hans", "私钥{h}"), ("en", "zprv: {z}"),
    ]
    for lang, template in keys * 2:
        add("inbound", lang, "private_key", template.format(
            h=hex64(), w=wif(), wu=wif(False), wt=wif(True, True), x=xprv(), t=xprv(0x04358394), z=xprv(0x04B2430C),
            arr=",".join(str(b) for b in rbytes(64))), ["private_key"])
    apis = [("en", "API key: {a} secret key: {b}", 1), ("en", "my api secret is {b}", 1),
            ("zh-hans", "API密钥 {b} 还能用吗", 1), ("zh-hans", "我的secret key是{b}", 1),
            ("en", "here's the API secret {b} for my bot", 1), ("zh-hans", "密钥：{b}", 1)]
    for lang, template, _n in apis * 3:
        add("inbound", lang, "api_secret", template.format(a=api_secret(), b=api_secret()), ["api_secret"])
    otps = [("en", "my 2fa code is {o}"),
    ("en", "Google Authenticator code {o}"),
    ("en", "the SMS code is {o}"),
            ("zh-hans", "验证码是 {o}"), ("zh-hans", "谷歌验证码{o}，快帮我登录"), ("zh-hans", "短信码 {o}"),
            ("en", "verification code: {o} (just got it)"), ("zh-hans", "我的动态码是{o}"),
            ("en", "OTP {o}"), ("en", "2FA: {sp}")]
    for lang, template in otps * 2:
        code = otp()
        add("inbound", lang, "otp_code", template.format(o=code, sp=f"{code[:3]} {code[3:]}"), ["otp_code"])
    pwds = [("en", "my password is {p}"), ("en", "login password: {p}"), ("zh-hans", "密码是{p}"),
            ("zh-hans", "我的登录密码：{p}"),
            ("en", 'password "{p}" does not work'),
            ("zh-hans", "资金密码 {p} 对吗"),
            ("en", "pwd={p}"), ("en", "I reset it, the new password is {p}")]
    for lang, template in pwds * 2:
        add("inbound", lang, "password", template.format(p=password()), ["password"])


def inbound_near_misses() -> None:
    txids = [("en", "my deposit txid is {h}"), ("en", "{h}"), ("en", "tx hash 0x{h} still pending"),
             ("zh-hans", "交易哈希：{h}"),
             ("zh-hans", "充值的TxID 0x{h} 还没到账"),
             ("en", "https://etherscan.io/tx/0x{h}"),
             ("en", "https://mempool.space/tx/{h}"), ("zh-hans", "提现记录里的哈希是 {h}"),
             ("en", "Withdrawal {h} shows completed but I got nothing"), ("en", "0x{h}"),
             ("zh-hans", "{h} 这笔转账没到"), ("en", "transaction: {h}, amount 0.5 ETH")]
    for lang, template in txids * 3:
        add("inbound", lang, "near_miss:txid", template.format(h=hex64()))
    addrs = [("en", "I sent USDT to {t}"), ("en", "my deposit address is {e}"), ("zh-hans", "充值地址 {b}"),
             ("zh-hans", "提币地址填的是{s}"), ("en", "withdraw to {b} please"), ("en", "{e}"),
             ("zh-hans", "我的TRC20地址是{t}，网络选错了"), ("en", "Solana address {s} memo 12345")]
    for lang, template in addrs * 3:
        add("inbound", lang, "near_miss:address", template.format(
            t=tron_address(), e=eth_address(), b=btc_address(), s=sol_address()))
    orders = [("en", "order id {o} was cancelled"), ("zh-hans", "订单号 {o}，请帮我查一下"), ("en", "My UID is {u}"),
              ("zh-hans", "我的UID：{u}"), ("en", "withdrawal {o} of 1500.25 USDT is stuck"),
              ("zh-hans", "我充值了 {a} USDT，订单{o}"), ("en", "ticket {u}, amount {a} BTC"),
              ("en", "P2P order {o}, I paid 3,200 CNY"), ("zh-hans", "C2C订单{o}卖家不放币")]
    for lang, template in orders * 3:
        add("inbound", lang, "near_miss:order_id", template.format(
            o=order_id(), u=uid(), a=f"{rng.randrange(1, 5000)}.{rng.randrange(100):02d}"))
    en_words = wordlist("english")
    for _ in range(6):
        add("inbound", "en", "near_miss:wordlist", " ".join(rng.sample(en_words, 8)))
    for _ in range(4):
        words = rng.sample(en_words, 12)
        for j in (2, 5, 8, 11):
            words[j] = rng.choice(["zebrax", "moonish", "the", "my", "and", "wallet1"])
        add("inbound", "en", "near_miss:wordlist", " ".join(words))
    talk = [
        ("en", "I never received the 2FA code"), ("en", "my password is not working"),
        ("en", "I forgot my password, how do I reset it?"), ("en", "Where do I find my API key settings?"),
        ("en", "I lost my seed phrase, can you help?"),
        ("en", "Is it safe to store my private key in a notes app?"),
        ("zh-hans", "验证码一直收不到"), ("zh-hans", "密码忘了怎么办"), ("zh-hans", "我的助记词丢了还能找回吗"),
        ("zh-hans", "私钥和助记词有什么区别"),
        ("zh-hans", "API密钥在哪里创建"),
        ("en", "The verification code expired at 10:45"),
        ("en", "My 2FA was reset on 2025-03-14, why is withdrawal locked for 24 hours?"),
        ("zh-hans", "谷歌验证解绑需要多久"),
        ("en", "password must be 8 characters?"),
        ("zh-hans", "密码错误5次被锁了"),
        ("en", "my seed phrase was stolen and my wallet drained, what can I do"),
        ("zh-hans", "有人冒充客服找我要助记词，是骗子吗"),
    ]
    for lang, text in talk:
        add("inbound", lang, "near_miss:talk", text)


ORDINARY_EN = [
    "Hi, my deposit has not arrived after two hours.", "How long does KYC review take?",
    "Why was my withdrawal rejected?",
    "Can I change the email on my account?",
    "What are the trading fees for VIP 1?",
    "The app crashes when I open futures.",
    "I want to close my account.",
    "Where can I see my transaction history?",
    "Thanks, that solved it!",
    "Is there a limit on daily withdrawals?",
    "I sent ETH on the wrong network, help",
    "How do I enable 2FA?", "My account is frozen, why?", "Please call me back tomorrow morning.",
    "The price chart is not loading on Safari.", "Can you explain the funding rate?",
    "I was liquidated even though the mark price never reached my level.",
    "What is the minimum deposit for USDT?",
    "Your promotion said 20 USDT bonus but I got nothing.", "Do you support the Lightning Network?",
]
ORDINARY_ZH = [
    "你好，我的充值两个小时了还没到账。",
    "实名认证审核要多久？",
    "为什么我的提现被拒绝了？",
    "可以修改账户绑定的邮箱吗？",
    "VIP1 的交易手续费是多少？",
    "打开合约页面 App 就闪退。",
    "我想注销账户。",
    "在哪里可以看到交易记录？",
    "谢谢，问题解决了！",
    "每天提现有额度限制吗？", "我转 ETH 选错了网络，怎么办", "怎么开启谷歌验证？", "我的账户为什么被冻结了？",
    "请明天上午给我回电话。",
    "K线图在手机上加载不出来。",
    "资金费率是怎么计算的？",
    "标记价格没到我的强平价却被强平了。",
    "USDT 最低充值金额是多少？", "活动说送20 USDT，我没收到。", "你们支持闪电网络吗？",
    "我今天下午在平台上买了一些比特币但是到现在还没有看到任何记录请问这是什么原因",
    "客服你好我想问一下为什么我的账户不能交易了我已经完成了所有的认证步骤",
]


def inbound_ordinary() -> None:
    for text in ORDINARY_EN:
        add("inbound", "en", "ordinary", text)
    for text in ORDINARY_ZH:
        add("inbound", "zh-hans", "ordinary", text)


def outbound() -> None:
    bad = [
        ("en", "Please send me your seed phrase so I can check the wallet.", "seed_phrase"),
        ("en", "To recover the funds we need your 12-word recovery phrase.", "seed_phrase"),
        ("en", "Kindly provide your mnemonic for verification.", "seed_phrase"),
        ("en", "Don't worry, just type your secret phrase here and I will fix it.", "seed_phrase"),
        ("zh-hans", "请把助记词发给我，我帮您检查钱包。", "seed_phrase"),
        ("zh-hans", "为了找回资产，需要您提供助记词。", "seed_phrase"),
        ("zh-hans", "您的助记词是什么？", "seed_phrase"),
        ("en", "What is your private key?", "private_key"),
        ("en", "Please paste your private key below.", "private_key"),
        ("en", "We require your wallet private key to unlock the withdrawal.", "private_key"),
        ("zh-hans", "请提供您的私钥，我们帮您转出。", "private_key"),
        ("zh-hans", "如果不提供私钥，我们无法帮您找回。", "private_key"),
        ("en", "Send me your keystore file and the password.", "private_key"),
        ("en", "Please tell me your password so I can log in and check.", "password"),
        ("en", "What's your login password?", "password"), ("zh-hans", "请告诉我您的登录密码。", "password"),
        ("zh-hans", "您的资金密码是多少？", "password"),
        ("en", "I need your password to verify the account.", "password"),
        ("en", "What is the 2FA code you just received?", "otp_code"),
        ("en", "Please send the verification code from your SMS here.", "otp_code"),
        ("en", "Read me the 6-digit Google Authenticator code.", "otp_code"),
        ("zh-hans", "请把收到的验证码发给我。", "otp_code"), ("zh-hans", "你的谷歌验证码是多少？", "otp_code"),
        ("zh-hans", "把短信验证码告诉我，我帮你解冻。", "otp_code"),
        ("en", "Please DM me the code you received by email.", "otp_code"),
        ("en", "Please install AnyDesk and send me the ID.", "remote_access"),
        ("en", "Download TeamViewer so I can fix it remotely.", "remote_access"),
        ("en", "Let's use remote desktop to solve this faster.", "remote_access"),
        ("zh-hans", "请下载向日葵，我远程帮你操作。", "remote_access"),
        ("zh-hans", "请安装ToDesk，把识别码发我。", "remote_access"),
        ("en", "Can you share your screen with QuickSupport?", "remote_access"),
        ("en", "Send 0.1 BTC to verify your wallet.", "fund_transfer"),
        ("en", "To unlock your account, please transfer 500 USDT first.", "fund_transfer"),
        ("en", "Please deposit 0.05 ETH to activate withdrawals.", "fund_transfer"),
        ("en", "Transfer your funds to this safe wallet: {e}", "fund_transfer"),
        ("zh-hans", "需要转账验证，请先转 0.05 BTC。", "fund_transfer"),
        ("zh-hans", "请支付解冻费 200 USDT。", "fund_transfer"),
        ("zh-hans", "请把资产转到以下安全账户：{t}", "fund_transfer"),
        ("zh-hans", "先转一笔小额资金验证身份。", "fund_transfer"),
        ("en", "Pay 100 USDT to release your frozen funds.", "fund_transfer"),
        ("en", "Send a small amount to verify ownership of the account.", "fund_transfer"),
        ("zh-hans", "请缴纳保证金 1000 USDT 才能提现。", "fund_transfer"),
    ]
    for lang, text, kind in bad:
        kinds = [kind, "password"] if "keystore file and the password" in text else [kind]
        add("outbound", lang, kind, text.format(e=eth_address(), t=tron_address()), kinds)
    good = [
        ("en", "Never share your seed phrase with anyone, including us."),
        ("en", "We will never ask for your password or 2FA code."),
        ("en", "Please send the TxID of the deposit."),
        ("en", "If anyone asks you to install AnyDesk, it's a scam."),
        ("en", "Please enter the 2FA code in the app to confirm the withdrawal."),
        ("en", "You can reset your password from the login page."),
        ("en", "Please send us a screenshot of the deposit page."),
        ("en", "To verify the 0.1 BTC deposit, please send the TxID."),
        ("en", "Move your funds to a new wallet that only you control."),
        ("en", "Please make sure you use the correct network when you send USDT."),
        ("en", "What is your UID?"),
        ("en", "Please change your password and enable 2FA."),
        ("en", "Your verification code expires in 10 minutes."),
        ("en", "Kefu staff will never ask you to transfer funds to verify your account."),
        ("en", "Do not give your private key to anyone who contacts you."),
        ("en", "Could you share the withdrawal ID and the destination address?"),
        ("en", "Please tell me the amount and the network you used."),
        ("en", "Your account is safe; we have frozen it as you asked."),
        ("en", "Remote-access apps like TeamViewer are never needed for support."),
        ("en", "Please send the order id shown in your P2P history."),
        ("en", "Scammers often ask for a 'verification transfer' - never send one."),
        ("en", "Your deposit of 0.5 ETH has been credited."),
        ("en", "You can find your API key settings under Account > API Management."),
        ("en", "If you shared your seed phrase, move your funds to a new wallet now."),
        ("en", "Please wait while I check the blockchain explorer."),
        ("en", "Please send a photo of your ID card through the verification page."),
        ("en", "I have escalated your case to the security team."),
        ("en", "Do not send any coins to addresses you receive in private messages."),
        ("en", "The withdrawal fee for USDT on TRC20 is 1 USDT."),
        ("en", "Please confirm the email address on your account."),
        ("zh-hans", "请勿向任何人透露助记词或私钥。"), ("zh-hans", "客服不会向您索要密码或验证码。"),
        ("zh-hans", "请提供充值的交易哈希(TxID)。"), ("zh-hans", "请在App中输入谷歌验证码完成提现。"),
        ("zh-hans", "请打开App，在安全中心开启谷歌验证。"), ("zh-hans", "如果有人让您安装向日葵，那是诈骗。"),
        ("zh-hans", "我们绝不会要求您转账验证。"),
        ("zh-hans", "您可以在登录页面重置密码。"),
        ("zh-hans", "请发送充值页面的截图。"),
        ("zh-hans", "请告诉我您的UID和订单号。"), ("zh-hans", "您的充值已经到账，请查收。"),
        ("zh-hans", "请把资产转移到只有您自己掌控的新钱包。"),
        ("zh-hans", "提现需要验证身份，请在App内完成人脸识别。"),
        ("zh-hans", "请确认您选择的网络是TRC20。"),
        ("zh-hans", "已为您升级到安全团队处理。"),
        ("zh-hans", "请提供提现记录的截图。"),
        ("zh-hans", "千万不要把私钥发给任何人。"),
        ("zh-hans", "冒充客服索要验证码的都是骗子。"),
        ("zh-hans", "请修改密码并开启二次验证。"),
        ("zh-hans", "您的账户已按要求冻结。"),
        ("zh-hans", "请问您转账的金额和网络是什么？"),
        ("zh-hans", "这笔 0.1 BTC 的充值需要6个区块确认。"),
        ("zh-hans", "请不要把验证码告诉任何人，包括客服。"), ("zh-hans", "如需帮助，请通过官方渠道联系我们。"),
    ]
    for lang, text in good:
        add("outbound", lang, "legit", text)


def main() -> None:
    inbound_secrets()
    inbound_near_misses()
    inbound_ordinary()
    outbound()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()[:12]
    print(f"wrote {len(records)} messages to {OUT} (sha256 {digest})")


if __name__ == "__main__":
    main()
