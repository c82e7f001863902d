"""Bad articles at start-up, ``quotebot run`` as a real process: among good ones, a file that is
empty or cannot be read is named in one warning line and the good ones are served; with no good
one at all, the bot says so in one line and exits with code 2 before contacting Telegram."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers.articles import ARTICLES
from tests.helpers.fake_bot_api import PRIVATE, FakeBotAPI
from tests.helpers.quotebot_process import finish, quotebot_running, start_quotebot, stop
from tests.helpers.telegram_helpers import answer_to, polling

BAD_FILES = {
    "empty": b"\n  \n\t\n",
    "binary": bytes(range(256)) * 8,
    "unreadable": b"No one may read this article.\n",  # mode 000
}
ROOT_READS_ANYTHING = hasattr(os, "geteuid") and os.geteuid() == 0


def folder(tmp_path: Path, bad: dict[str, bytes], good: bool = True) -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    if good:
        (articles / "01_bridge.md").write_text(ARTICLES["01_bridge.md"], encoding="utf-8")
    for name, data in bad.items():
        (articles / f"{name}.txt").write_bytes(data)
        if name == "unreadable":
            (articles / f"{name}.txt").chmod(0)
    return articles


@pytest.mark.parametrize(
    "bad",
    [
        "empty",
        "binary",
        pytest.param("unreadable", marks=pytest.mark.skipif(ROOT_READS_ANYTHING, reason="root reads mode 000")),
    ],
)
async def test_a_bad_file_among_good_ones_is_named_in_one_warning_and_the_good_ones_are_served(
    fake: FakeBotAPI, tmp_path: Path, bad: str
) -> None:
    articles = folder(tmp_path, {bad: BAD_FILES[bad]})
    async with quotebot_running(fake, tmp_path, QUOTEBOT_SEEDS=str(articles)) as process:
        await polling(fake)
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "Who built the bridge?"))
        code, output = await stop(process)
    assert code == 0, output
    assert "Dorman Long" in reply.text
    warnings = [line for line in output.splitlines() if " WARNING " in line]
    assert len(warnings) == 1, warnings
    assert f"{bad}.txt" in warnings[0] and "skipped" in warnings[0]
    assert "Answering about 1 article(s)" in output


async def test_no_good_article_at_all_is_one_line_and_exit_code_2_before_telegram(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    bad = {k: v for k, v in BAD_FILES.items() if k != "unreadable" or not ROOT_READS_ANYTHING}
    articles = folder(tmp_path, bad, good=False)
    process = await start_quotebot(fake, tmp_path, QUOTEBOT_SEEDS=str(articles))
    code, output = await finish(process)
    assert code == 2
    [line] = output.strip().splitlines()
    assert line.startswith("quotebot: error:")
    assert all(f"{name}.txt" in line for name in bad)
    assert not fake.calls  # Telegram was never contacted
