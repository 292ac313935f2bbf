"""Text handling for matching: normalization, language detection, tokens.

Chinese is folded to Simplified (a character table of the Traditional forms that support questions use),
segmented with jieba and also cut into character n-grams; English is lower-cased, stemmed (Snowball) and
cut into character n-grams so that typos still share most of their features with the right word.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

# Traditional/Simplified character pairs (Traditional first) of the vocabulary customers use.
_PAIRS = """
並并 來来 係系 倉仓 個个 們们 備备 傳传 傷伤 價价 億亿 償偿 優优 儲储 兇凶 兌兑 內内 兩两 凍冻 剛刚
劃划 劍剑 動动 務务 勝胜 勞劳 勢势 勵励 匯汇 區区 協协 卻却 參参 員员 問问 啓启 啟启 單单 嗎吗 嘗尝
嚇吓 嚮向 嚴严 囑嘱 國国 圍围 圖图 團团 報报 場场 塊块 壓压 壞坏 壯壮 夠够 夢梦 奧奥 奪夺 奮奋 婦妇
孫孙 學学 實实 寧宁 審审 寫写 寬宽 寶宝 將将 專专 尋寻 對对 導导 屆届 層层 屬属 島岛 峽峡 嶺岭 師师
帳账 帶带 幣币 幫帮 幹干 幾几 庫库 廠厂 廢废 廣广 廳厅 張张 強强 彈弹 彌弥 彙汇 後后 徑径 從从 復复
徵征 徹彻 悅悦 惡恶 愛爱 態态 慣惯 慮虑 慶庆 憂忧 憑凭 憶忆 應应 懶懒 懷怀 懸悬 戀恋 戰战 戲戏 戶户
換换 損损 撥拨 擁拥 擇择 擊击 擋挡 擔担 據据 擠挤 擬拟 擴扩 擺摆 擾扰 攏拢 攔拦 攜携 攝摄 攤摊 敗败
敘叙 敵敌 數数 斂敛 斷断 於于 昇升 時时 晝昼 暈晕 暫暂 曆历 曉晓 書书 會会 朧胧 朮术 東东 條条 棄弃
業业 極极 構构 槍枪 槓杠 樂乐 樓楼 標标 樞枢 樣样 機机 橫横 檔档 檢检 檯台 櫃柜 權权 歐欧 歡欢 歲岁
歷历 歸归 殘残 殺杀 殼壳 毀毁 氈毡 氣气 氫氢 決决 沒没 況况 淚泪 淺浅 減减 測测 準准 溝沟 滅灭 滬沪
滯滞 滲渗 滾滚 滿满 漁渔 漢汉 漲涨 潔洁 潛潜 潤润 澀涩 澤泽 濃浓 濕湿 濟济 濫滥 濾滤 瀉泻 瀏浏 灑洒
灣湾 災灾 為为 無无 煉炼 煙烟 煩烦 熱热 燈灯 燒烧 營营 燦灿 爐炉 爛烂 爭争 爺爷 牆墙 牽牵 犧牺 狀状
猶犹 猻狲 獎奖 獨独 獲获 獵猎 獻献 現现 琺珐 瑪玛 環环 璽玺 瓊琼 產产 甦苏 畝亩 畫画 異异 當当 瘋疯
療疗 癒愈 癡痴 癢痒 發发 盜盗 盞盏 盡尽 監监 盤盘 盧卢 眾众 睜睁 瞭了 矯矫 硏研 確确 碼码 礎础 礙碍
礦矿 祿禄 禍祸 禮礼 稅税 稈秆 種种 稱称 穀谷 穌稣 積积 穩稳 窩窝 窮穷 竄窜 竊窃 競竞 筆笔 筍笋 筧笕
箋笺 節节 範范 築筑 簡简 簽签 籃篮 籌筹 籤签 粵粤 糞粪 糧粮 糾纠 紀纪 約约 紅红 紋纹 納纳 紐纽 純纯
紗纱 紙纸 級级 紛纷 紮扎 細细 終终 組组 絆绊 結结 絕绝 絡络 給给 統统 絲丝 綁绑 經经 綜综 綠绿 維维
綱纲 網网 緊紧 緒绪 線线 緣缘 編编 緩缓 練练 縣县 縫缝 縮缩 縱纵 總总 績绩 織织 繩绳 繪绘 繫系 繳缴
繼继 續续 罈坛 罰罚 罵骂 罷罢 羅罗 羨羡 義义 習习 聖圣 聞闻 聯联 聰聪 聲声 聳耸 職职 聽听 肅肃 脅胁
脫脱 腦脑 腳脚 膚肤 膠胶 膽胆 臉脸 臨临 臺台 與与 舉举 舊旧 舖铺 艦舰 艱艰 艷艳 莊庄 華华 萬万 葉叶
蔣蒋 薦荐 藉借 藍蓝 藝艺 藥药 蘇苏 蘋苹 蘭兰 處处 虛虚 號号 虧亏 蝦虾 蟲虫 蠟蜡 蠶蚕 衆众 術术 衛卫
衝冲 裏里 補补 裝装 裡里 製制 複复 襪袜 襯衬 見见 規规 覓觅 視视 親亲 覺觉 覽览 觀观 觸触 訂订 計计
訊讯 討讨 訓训 託托 記记 訝讶 訪访 設设 許许 訴诉 診诊 詐诈 評评 詞词 詢询 試试 話话 該该 詳详 誇夸
誌志 認认 誕诞 語语 誠诚 誤误 說说 誰谁 課课 調调 談谈 請请 論论 諮咨 諾诺 謀谋 謊谎 謎谜 講讲 謝谢
謹谨 證证 識识 譜谱 譯译 議议 護护 讀读 變变 讎仇 讓让 讚赞 豐丰 豬猪 貓猫 貝贝 負负 財财 貨货 販贩
貪贪 貫贯 責责 貳贰 貴贵 貶贬 買买 貸贷 費费 貼贴 貿贸 賀贺 資资 賊贼 賓宾 賞赏 賠赔 賣卖 賤贱 賦赋
質质 賬账 賭赌 賴赖 賺赚 購购 賽赛 贈赠 贊赞 贏赢 趕赶 趙赵 趨趋 跡迹 踐践 蹟迹 蹤踪 躍跃 車车 軋轧
軌轨 軍军 軟软 軸轴 較较 載载 輔辅 輕轻 輛辆 輩辈 輪轮 輯辑 輸输 輻辐 轄辖 轉转 辦办 辭辞 辮辫 農农
迴回 這这 連连 週周 進进 遊游 運运 過过 達达 違违 遜逊 遞递 遠远 適适 遲迟 遷迁 選选 遺遗 還还 邊边
郵邮 鄉乡 鄒邹 鄧邓 鄭郑 鄰邻 醜丑 醫医 釀酿 釋释 針针 釣钓 鈍钝 鈔钞 鈕钮 鈴铃 鉛铅 銀银 銅铜 銳锐
銷销 鋒锋 鋪铺 錄录 錢钱 錦锦 錨锚 錯错 錶表 鍊链 鍋锅 鍍镀 鍛锻 鍵键 鍾钟 鎖锁 鎮镇 鏈链 鏟铲 鏡镜
鏢镖 鐘钟 鐳镭 鐵铁 鑑鉴 鑰钥 鑽钻 長长 門门 閃闪 閉闭 開开 閒闲 間间 閘闸 閣阁 閥阀 閩闽 閱阅 闆板
闊阔 闖闯 關关 闡阐 陝陕 陣阵 陰阴 陳陈 陸陆 陽阳 隊队 階阶 隕陨 際际 隨随 險险 隱隐 隸隶 隻只 雋隽
雖虽 雙双 雜杂 雞鸡 離离 難难 雲云 電电 霧雾 靂雳 靈灵 靜静 韋韦 韌韧 韓韩 響响 頁页 頂顶 頃顷 項项
順顺 須须 預预 頒颁 頓顿 頗颇 領领 頭头 頰颊 頸颈 頻频 顆颗 題题 額额 顏颜 願愿 類类 顧顾 顯显 風风
颯飒 颱台 飄飘 飛飞 飢饥 飯饭 飲饮 飽饱 餅饼 養养 餓饿 餘余 館馆 馬马 馳驰 駕驾 駭骇 騎骑 騙骗 騷骚
驅驱 驗验 驚惊 驟骤 骯肮 髒脏 體体 髮发 鬆松 鬍胡 鬥斗 鬧闹 鬱郁 魚鱼 魯鲁 魷鱿 鮮鲜 鯨鲸 鳥鸟 鳳凤
鳴鸣 鴨鸭 鶴鹤 鹽盐 麗丽 麥麦 麩麸 麵面 麼么 黃黄 點点 黨党 齊齐 齋斋 齒齿 齡龄 龍龙 龐庞 龜龟
"""
_TRADITIONAL = "".join(p[0] for p in _PAIRS.split())
_SIMPLIFIED = "".join(p[1] for p in _PAIRS.split())
_T2S = str.maketrans(_TRADITIONAL, _SIMPLIFIED)
# Simplified forms that are also ordinary Traditional characters; they say nothing about the script.
_SHARED_FORMS = set("里台干面了表只余于借板回游谷向升仇胡松志制征系准周斗郁丑朴")
_TRADITIONAL_ONLY = frozenset(_TRADITIONAL)
_SIMPLIFIED_ONLY = frozenset(_SIMPLIFIED) - _SHARED_FORMS - _TRADITIONAL_ONLY

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z]+", re.IGNORECASE)
# One token per CJK run, per word (letters/digits) or per sign worth keeping.
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:['.][a-z0-9]+)*", re.IGNORECASE)


def to_simplified(text: str) -> str:
    """Fold the Traditional characters we know to their Simplified forms (character by character)."""
    return text.translate(_T2S)


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, Simplified Chinese, single spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    text = to_simplified(text)
    return " ".join(text.split())


def detect_language(text: str) -> str:
    """Return "zh-hans", "zh-hant" or "en" for a customer message.

    Chinese wins as soon as it has at least as many CJK characters as Latin words ("我的USDT没到账" is
    Chinese); the script is decided by counting characters that exist only in one of the two scripts.
    Anything without Chinese is treated as English, the fallback language of the help center.
    """
    text = text or ""
    cjk = _CJK.findall(text)
    if not cjk or len(cjk) < len(_LATIN_WORD.findall(text)):
        return "en"
    traditional = sum(1 for ch in cjk if ch in _TRADITIONAL_ONLY)
    simplified = sum(1 for ch in cjk if ch in _SIMPLIFIED_ONLY)
    return "zh-hant" if traditional > simplified else "zh-hans"


def is_chinese(language: str | None) -> bool:
    return bool(language) and language.startswith("zh")


_jieba_lock = threading.Lock()
_jieba = None


def _segmenter():
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


@lru_cache(maxsize=16384)
def _segment(run: str) -> tuple[str, ...]:
    return tuple(w for w in _segmenter().lcut(run) if w.strip())


def words(normalized: str) -> list[str]:
    """Word tokens of normalized text: jieba words for Chinese runs, Snowball stems for the rest."""
    out: list[str] = []
    for token in _TOKEN.findall(normalized):
        if _CJK.match(token):
            out.extend(_segment(token))
        else:
            out.append(stem(token))
    return out
