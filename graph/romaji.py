"""Kana → romaji (Hepburn, long vowels folded), so ヤマダ タロウ compares with Taro Yamada.

Why: one person is ``山田 太郎`` with reading ``ヤマダ タロウ`` in the CRM, ``Taro
Yamada`` in the web shop and ``やまだ たろう`` in a survey tool. Kanji cannot be
read without a dictionary, but every kana reading can be spelled in latin
letters, and names in latin letters drop long vowels (Yamada Tarō → Taro):
``fold`` does the same to both sides.
"""

from __future__ import annotations

import re

__all__ = ["fold", "has_kana", "romaji"]

_LATIN = (
    "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho "
    "ma mi mu me mo ya yu yo ra ri ru re ro wa i e o n "
    "ga gi gu ge go za ji zu ze zo da ji zu de do ba bi bu be bo pa pi pu pe po a i u e o vu"
)
_BASE = dict(zip(
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわゐゑをん"
    "がぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽぁぃぅぇぉゔ",
    _LATIN.split(),
    strict=True,
))
_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o"}
_KANA = re.compile("[\u3041-\u309f\u30a0-\u30ff]")


def has_kana(text: str) -> bool:
    return bool(_KANA.search(text))


def romaji(hiragana: str) -> str:
    """Hiragana (katakana folded already, see ``normalise.kana_fold``) in latin letters."""
    out: list[str] = []
    double = False
    for ch in hiragana:
        if ch == "っ":
            double = True
            continue
        if ch in _SMALL_Y and out and out[-1].endswith("i") and len(out[-1]) >= 2:
            stem = out[-1][:-1]
            out[-1] = (stem if stem in ("sh", "ch", "j") else stem + "y") + _SMALL_Y[ch]
            continue
        if ch == "ー":
            continue  # a long vowel mark: folded away like a doubled vowel
        syllable = _BASE.get(ch, ch)
        if double and syllable[:1].isalpha() and syllable[:1] not in "aeiou":
            syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
        double = False
        out.append(syllable)
    return "".join(out)


def fold(latin: str) -> str:
    """Long vowels spelled out (ou, uu, oo...) reduced to one: Satou, Satoo, Sato → sato."""
    return re.sub(r"(?:ou|oo)", "o", re.sub(r"uu", "u", re.sub(r"(aa|ii|ee)", lambda m: m.group(0)[0], latin)))
