"""Help-center search latency on a 2,000-article help center (zh-Hans + en), SQLite FTS5 or PostgreSQL.

    .venv/bin/python bench/help_search.py [--articles 2000] [--queries 400] [--json FILE]
    KEFU_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/help_search.py

Builds a throwaway database (a temp SQLite file, or a fresh PostgreSQL database next to the one named,
dropped afterwards), writes N articles whose text is drawn from the demo help center (each a demo
article plus random sentences of other demo articles, so the vocabulary and the term statistics look
like a real help center), indexes them exactly as the services do (same analysis, same index rows),
then runs a mix of English and Chinese queries (whole questions, keywords, typos) through
kefu.knowledge.search.search() and prints p50/p99/max milliseconds per query. Goal: under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_database() -> tuple[str, callable]:
    """Point Django at a fresh database; returns a description and a cleanup function."""
    base = os.environ.get("KEFU_DATABASE_URL", "")
    workdir = Path(tempfile.mkdtemp(prefix="kefu-help-bench-"))
    os.environ["KEFU_VAR_DIR"] = str(workdir)
    if base.startswith("postgres"):
        from kefu.core.liveserver import _pg_execute, _with_database

        name = f"kefu_bench_{uuid.uuid4().hex[:8]}"
        _pg_execute(base, f'CREATE DATABASE "{name}"')
        os.environ["KEFU_DATABASE_URL"] = _with_database(base, name)

        def cleanup() -> None:
            from django.db import connections

            connections.close_all()
            _pg_execute(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return f"PostgreSQL ({name})", cleanup
    os.environ["KEFU_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    return "SQLite FTS5", lambda: None


def build(count: int, rng: random.Random) -> int:
    """Write `count` published articles in en and zh-hans and their index rows; returns index rows."""
    from django.db import transaction
    from django.utils import timezone

    from kefu.knowledge import analysis
    from kefu.knowledge.demo import DEMO_CONTENT
    from kefu.knowledge.models import Article, ArticleTranslation, Category, SearchDocument
    from kefu.knowledge.rendering import plain_text
    from kefu.knowledge.transfer import split_front_matter

    demo: dict[str, list[dict]] = {"en": [], "zh-hans": []}
    for path in sorted(DEMO_CONTENT.rglob("*.md")):
        if path.name == "_category.md":
            continue
        language = path.name[:-3].rsplit(".", 1)[1]
        meta, body = split_front_matter(path.read_text(encoding="utf-8"), str(path))
        demo[language].append({"title": meta["title"], "body": body, "short": meta["short_answer"],
                               "questions": meta["questions"]})
    sentences = {lang: [s for a in arts for s in plain_text(a["body"]).replace("。", ".").split(".") if len(s) > 8]
                 for lang, arts in demo.items()}
    now = timezone.now()
    with transaction.atomic():
        category = Category.objects.create(slug="bench")
        articles = Article.objects.bulk_create(
            Article(slug=f"bench-{i}", category=category, status="published", published_at=now) for i in range(count))
        translations, documents = [], []
        for i, article in enumerate(articles):
            for language, pool in demo.items():
                base = pool[i % len(pool)]
                extra = " ".join(rng.sample(sentences[language], 6))
                title = f"{base['title']} {i}"
                body = base["body"] + "\n\n" + extra
                translations.append(ArticleTranslation(article=article, language=language, title=title, body=body,
                                                       short_answer=base["short"], questions=base["questions"]))
        ArticleTranslation.objects.bulk_create(translations, batch_size=500)
        for t in ArticleTranslation.objects.all():
            title_terms = analysis.analyze(t.title, for_index=True)
            body_terms = analysis.analyze(" ".join([plain_text(t.body), t.short_answer, *t.questions]), for_index=True)
            documents.append(SearchDocument(translation=t, article_id=t.article_id, language=t.language,
                                            title_terms=" ".join(title_terms), body_terms=" ".join(body_terms)))
        SearchDocument.objects.bulk_create(documents, batch_size=500)
    return len(documents)


QUERIES = [
    ("en", "my deposit has not arrived"), ("en", "withdrawl fee"), ("en", "reset 2fa authenticator lost"),
    ("en", "liquidaton price"), ("en", "how do i verify my identity"), ("en", "memo"), ("en", "phishing email"),
    ("en", "account frozen"), ("en", "referral commission"), ("en", "funding rate"), ("en", "refund"),
    ("en", "wrong network usdt bep20"), ("en", "support hours"), ("en", "pasword"), ("en", "stop loss order"),
    ("zh-hans", "充值没到账"), ("zh-hans", "提现手续费"), ("zh-hans", "谷歌验证器丢了"), ("zh-hans", "账户被冻结"),
    ("zh-hans", "强平"), ("zh-hans", "忘记密码"), ("zh-hans", "转错网络"), ("zh-hans", "防钓鱼码"),
    ("zh-hans", "客服工作时间"), ("zh-hans", "实名认证被拒绝"), ("zh-hans", "活动奖励没收到"), ("zh-hans", "退款"),
    ("zh-hans", "USDT 选哪个网络"), ("zh-hans", "限价单没有成交"), ("zh-hans", "资金费率是什么"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    backend, cleanup = setup_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from kefu.knowledge import search

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(args.seed)
        start = time.perf_counter()
        rows = build(args.articles, rng)
        built = time.perf_counter() - start
        for language, query in QUERIES:  # warm-up: jieba, the vocabulary, the database's caches
            search.search(query, language)
        millis, cpu, hits = [], [], 0
        load_before = os.getloadavg()[0]
        for i in range(args.queries):
            language, query = QUERIES[i % len(QUERIES)]
            t0, c0 = time.perf_counter(), time.process_time()
            found = search.search(query, language, limit=10)
            millis.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            hits += bool(found)
        millis.sort()
        cpu.sort()
        figures = {
            "backend": backend, "articles": args.articles, "index_rows": rows, "queries": len(millis),
            "queries_with_results": hits, "build_seconds": round(built, 1),
            "p50_ms": round(statistics.median(millis), 2),
            "p99_ms": round(millis[min(len(millis) - 1, int(len(millis) * 0.99))], 2),
            "max_ms": round(millis[-1], 2),
            # CPU time of this process per query (SQLite runs in-process; PostgreSQL's own work is not in it):
            # less disturbed than wall time when other work shares the machine.
            "cpu_p50_ms": round(statistics.median(cpu), 2),
            "cpu_p99_ms": round(cpu[min(len(cpu) - 1, int(len(cpu) * 0.99))], 2),
            "load_average": round(load_before, 1),
        }
    finally:
        cleanup()
    print(f"help-center search, {figures['backend']}: {figures['articles']} articles "
          f"({figures['index_rows']} index rows, built in {figures['build_seconds']} s)")
    print(f"{figures['queries']} queries ({figures['queries_with_results']} with results): "
          f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms (goal: < 50 ms)")
    print(f"CPU of this process per query: p50 {figures['cpu_p50_ms']} ms, p99 {figures['cpu_p99_ms']} ms; "
          f"machine load average at the start: {figures['load_average']} on {os.cpu_count()} cores")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
