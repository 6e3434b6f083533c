"""The dashboard's two languages: every label in English and Japanese, and numbers and dates
formatted for the reader's locale (Babel's CLDR data, so that 日本語 gets 2026年12月 and 1,234円
conventions without rules of our own).

The language is the one the reader chose with the switch (a cookie), else the first of ours in
the browser's Accept-Language, else English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date, format_datetime, format_skeleton
from babel.numbers import format_decimal, format_percent

__all__ = ["LANGUAGES", "Language", "language_of"]

LANGUAGES = ("en", "ja")
COOKIE = "custgraph_lang"

# Each label: (English, Japanese). Keys are what templates ask for; a missing key is a bug the
# tests catch (every template is rendered in both languages).
LABELS: dict[str, tuple[str, str]] = {
    "app": ("custgraph", "custgraph"),
    "skip": ("Skip to content", "本文へ移動"),
    "nav": ("Main", "メイン"),
    "overview": ("Overview", "概要"),
    "customers": ("Customers", "顧客"),
    "journeys": ("Journeys", "ジャーニー"),
    "touchpoints": ("Touchpoints", "タッチポイント"),
    "segments": ("Segments and churn", "セグメントと離反"),
    "review": ("Review queue", "確認待ち"),
    "graphiql": ("GraphQL", "GraphQL"),
    "signin": ("Sign in", "サインイン"),
    "signout": ("Sign out", "サインアウト"),
    "signed_in_as": ("Signed in as", "サインイン中:"),
    "api_key": ("API key", "APIキー"),
    "signin_help": ("Sign in with an API key. Readers see contact data masked; admins may answer the review "
                    "queue and unmerge.",
                    "APIキーでサインインします。閲覧者には連絡先がマスクされ、管理者は確認待ちへの回答と分離ができます。"),
    "bad_key": ("That key is not known.", "このキーは登録されていません。"),
    "language": ("Language", "言語"),
    "role": ("Role", "ロール"),
    # overview
    "persons": ("Customers", "顧客数"),
    "identities": ("Identity records", "ID レコード"),
    "interactions": ("Interactions", "インタラクション"),
    "revenue": ("Revenue", "売上"),
    "nps_trend": ("NPS and CSAT by month", "月別 NPS と CSAT"),
    "month": ("Month", "月"),
    "all_months": ("All months", "全期間"),
    "nps": ("NPS", "NPS"),
    "csat": ("CSAT", "CSAT"),
    "answers": ("answers", "件の回答"),
    "freshness": ("Data freshness", "データの鮮度"),
    "newest_touchpoint": ("Newest touchpoint", "最新のタッチポイント"),
    "model_trained": ("Match model trained", "照合モデルの学習"),
    "last_load": ("Last load", "最終ロード"),
    "last_resolve": ("Last resolve", "最終名寄せ"),
    "review_waiting": ("Pairs waiting for review", "確認待ちのペア"),
    "none_yet": ("none yet", "まだありません"),
    # customers
    "search": ("Search", "検索"),
    "search_label": ("Name in any script, e-mail or phone", "氏名（どの表記でも）、メール、電話"),
    "search_reader": ("Readers search by name", "閲覧者は氏名で検索します"),
    "results": ("Results", "検索結果"),
    "no_results": ("No customer matches.", "該当する顧客はいません。"),
    "name": ("Name", "氏名"),
    "email": ("E-mail", "メール"),
    "phone": ("Phone", "電話"),
    "sources": ("Sources", "ソース"),
    "profile": ("Profile", "プロファイル"),
    "golden": ("Golden attributes", "統合属性"),
    "attribute": ("Attribute", "属性"),
    "value": ("Value", "値"),
    "record": ("Record", "レコード"),
    "source": ("Source", "ソース"),
    "links": ("Why these records are one customer", "同一顧客とした根拠"),
    "rule": ("Rule", "ルール"),
    "score": ("Score", "スコア"),
    "evidence": ("Evidence", "根拠"),
    "journey": ("Journey", "ジャーニー"),
    "when": ("When", "日時"),
    "type": ("Type", "種類"),
    "channel": ("Channel", "チャネル"),
    "rep": ("Rep", "担当者"),
    "products": ("Products", "商品"),
    "bought": ("Products bought", "購入商品"),
    "times": ("Times", "回数"),
    "amount": ("Amount", "金額"),
    "reps": ("Reps", "担当者"),
    "segment": ("Segment", "セグメント"),
    "churn_risk": ("Churn risk", "離反リスク"),
    "purchase_propensity": ("Purchase in 90 days", "90日以内の購入確率"),
    "churn_probability": ("Churn probability", "離反確率"),
    "likely_categories": ("Likeliest categories", "購入見込みの高いカテゴリー"),
    "predictions": ("Predictions", "予測"),
    "predictions_help": ("Trained and checked at the last resolve on a time split of the store's history: "
                         "trained on what customers did before the last 180 days, checked on the 90 days after. "
                         "The churn model replaces the churn-risk formula only where its AUC is higher.",
                         "直近の名寄せ実行時に、履歴の時間分割で学習・検証: 180日前までで学習し、その後の90日で検証。"
                         "離反モデルは AUC が離反リスクの式を上回る場合のみ式に代わります。"),
    "model_name": ("Model", "モデル"),
    "model_target": ("Predicts", "予測対象"),
    "model_used": ("Used", "採用"),
    "auc": ("AUC", "AUC"),
    "brier": ("Brier score", "ブライアスコア"),
    "formula_auc": ("Formula's AUC", "式の AUC"),
    "used_model": ("the model", "モデル"),
    "used_formula": ("the formula", "式"),
    "used_none": ("nothing yet", "未使用"),
    "likely_buyers": ("Likeliest buyers", "購入見込みの高い顧客"),
    "probability": ("Probability", "確率"),
    "category": ("Category", "カテゴリー"),
    "product": ("Product", "商品"),
    "product_prospects": ("Likeliest buyers of a product", "商品の購入見込み顧客"),
    "product_prospects_help": ("Customers who do not own it, by the share of the buyers of each of their products "
                               "who also bought it, summed; the products behind it.",
                               "未購入の顧客を、その顧客の各購入商品の購入者のうちこの商品も買った割合の合計順に。根拠の商品付き。"),
    "moved_by": ("moved most by", "主な要因"),
    "offers": ("Cross-sell offers", "クロスセル提案"),
    "because": ("Because", "理由"),
    "offer_reason": ("{customers} of the {buyers} buyers of {name} bought it",
                     "{name} の購入者 {buyers} 人中 {customers} 人が購入"),
    "offer_reason_signal": ("{customers} of the {buyers} buyers of {name}, which they {signal}, bought it",
                            "{signal}した {name} の購入者 {buyers} 人中 {customers} 人が購入"),
    "offer_reason_category": (
        "They {signal} {name} in {category}; this has {customers} of the category's {buyers} buyers",
        "{category} の {name} を{signal}; カテゴリーの購入者 {buyers} 人中 {customers} 人が購入"),
    "offer_best_seller_region": ("Best seller in {region}: {customers} customers there bought it",
                                 "{region} の売れ筋: {customers} 人が購入"),
    "offer_best_seller": ("Best seller: {customers} customers bought it", "売れ筋: {customers} 人が購入"),
    "signal_bought": ("bought", "購入"),
    "signal_carted": ("added to their cart", "カートに追加"),
    "signal_viewed": ("viewed", "閲覧"),
    "signal_asked": ("asked about", "問い合わせ"),
    "path": ("Path", "経路"),
    "unmerge": ("Unmerge", "分離"),
    "unmerge_help": ("Two records of this customer are different people: split them.",
                     "この顧客の2つのレコードが別人の場合、分離します。"),
    "record_a": ("Record", "レコード"),
    "record_b": ("Other record", "もう一方のレコード"),
    "reason": ("Reason", "理由"),
    "not_found": ("No such customer.", "該当する顧客はいません。"),
    "erase": ("Erase this person", "この人物を消去"),
    "erase_help": ("Right to erasure: deletes this person's records and customers (and those sharing one of their "
                   "e-mail addresses) and anonymises their touchpoints. It cannot be undone; erase them in the "
                   "source systems too. Type the customer's id to confirm.",
                   "消去権: この人物のレコードと顧客（同じメールアドレスを持つものを含む）を削除し、"
                   "タッチポイントを匿名化します。元に戻せません。元のシステムでも消去してください。"
                   "確認のため顧客 ID を入力してください。"),
    "erase_confirm": ("Customer id", "顧客 ID"),
    "done": ("Done", "完了"),
    "customers_written": ("customers rewritten", "件の顧客を更新"),
    # journeys
    "funnel": ("Funnel", "ファネル"),
    "step": ("Step", "ステップ"),
    "steps_help": ("Touchpoint types in order; empty steps are left out.",
                   "タッチポイントの種類を順に選びます。空のステップは無視されます。"),
    "reached": ("Reached", "到達"),
    "conversion": ("Conversion", "転換率"),
    "overall": ("Overall conversion", "全体の転換率"),
    "drop_off": ("Dropped off", "離脱"),
    "show": ("Show", "表示"),
    "window": ("Conversion window (days, empty: any time)", "コンバージョン期間（日数、空欄は無制限）"),
    "median_time": ("Median time from step 1", "ステップ1からの時間（中央値）"),
    "hours": ("{hours} h", "{hours} 時間"),
    "variants": ("How journeys begin", "ジャーニーの始まり方"),
    "variant": ("Path", "経路"),
    "share": ("Share", "割合"),
    "converted": ("Purchased", "購入"),
    "transitions": ("Transition matrix", "遷移行列"),
    "from_to": ("From \\ to", "遷移元 \\ 遷移先"),
    "median_hours": ("median hours", "中央値（時間）"),
    "path_steps": ("Steps per path", "経路のステップ数"),
    "paths": ("Paths from or into a touchpoint", "タッチポイント前後の経路"),
    "paths_help": ("From the first time each customer reaches the touchpoint (a type repeated in a row counts "
                   "once).", "各顧客が初めてそのタッチポイントに達した時点から数えます（連続する同じ種類は1回）。"),
    "through": ("Touchpoint", "タッチポイント"),
    "direction": ("Direction", "方向"),
    "from": ("What follows", "その後"),
    "into": ("What came before", "その前"),
    "depth": ("Steps", "ステップ数"),
    # touchpoints
    "heatmap": ("NPS by channel and touchpoint type", "チャネル×タッチポイント別 NPS"),
    "heatmap_help": ("Each answer counts for the touchpoint just before it. Open a cell for its months.",
                     "各回答は直前のタッチポイントに計上されます。セルを開くと月別の内訳が見られます。"),
    "responses": ("Answers", "回答数"),
    "promoters": ("Promoters (9-10)", "推奨者（9-10）"),
    "passives": ("Passives (7-8)", "中立者（7-8）"),
    "detractors": ("Detractors (0-6)", "批判者（0-6）"),
    "cell": ("Touchpoint", "タッチポイント"),
    "no_scores": ("No survey answers yet.", "アンケート回答はまだありません。"),
    "back": ("Back", "戻る"),
    "cell_answers": ("The answers, newest first, with the touchpoint before each",
                     "回答（新しい順）と直前のタッチポイント"),
    "answered": ("Answered", "回答日時"),
    "customer": ("Customer", "顧客"),
    "text": ("Comment", "コメント"),
    "before": ("Touchpoint before", "直前のタッチポイント"),
    # segments
    "rfm": ("RFM segments", "RFM セグメント"),
    "customers_n": ("Customers", "顧客数"),
    "at_risk_list": ("Customers at risk of leaving", "離反リスクのある顧客"),
    "movement": ("Movement since the resolve before", "前回の名寄せからの移動"),
    "movement_help": ("Customers by their segment before the last resolve (rows) and after it (columns); "
                      "— is no segment (no purchase, or a new customer).",
                      "最後の名寄せの前（行）と後（列）のセグメント別の顧客数。"
                      "— はセグメントなし（購入なし、または新規顧客）。"),
    "before_after": ("Before \\ after", "前 \\ 後"),
    "recent": ("Touchpoints, last window", "直近の接点数"),
    "previous": ("Touchpoints, window before", "前期間の接点数"),
    "nps_drop": ("NPS drop", "NPS の低下"),
    "unhappy_tickets": ("Unhappy tickets", "不満のある問い合わせ"),
    "risk": ("Risk", "リスク"),
    # review
    "pair": ("Pair", "ペア"),
    "review_help": ("Pairs the model could not decide. Confirm links them for good; reject keeps them apart "
                    "for good.",
                    "モデルが判断できなかったペアです。確定すると永続的に統合し、却下すると永続的に分けます。"),
    "confirm": ("Confirm: one person", "確定：同一人物"),
    "reject": ("Reject: two people", "却下：別人"),
    "queue_empty": ("The review queue is empty.", "確認待ちはありません。"),
    "admins_only": ("Only admins may answer the review queue.", "確認待ちへの回答は管理者のみ可能です。"),
    "field": ("Field", "項目"),
    "birth_date": ("Birth date", "生年月日"),
    "address": ("Address", "住所"),
    "name_kana": ("Name (kana)", "氏名（カナ）"),
    "street": ("Street", "番地・町名"),
    "postal_code": ("Postal code", "郵便番号"),
    "city": ("City", "市区町村"),
    "region": ("Region", "都道府県・地域"),
    "country": ("Country", "国"),
    "loyalty_id": ("Loyalty number", "会員番号"),
    "email_opt_in": ("E-mail marketing consent", "メール配信の同意"),
    "sms_opt_in": ("SMS marketing consent", "SMS配信の同意"),
    "taken_from": ("Taken from", "採用元"),
    "stated": ("the person's own word", "本人の申告"),
    "withheld": ("withheld", "非表示"),
    "yes": ("Yes", "はい"),
    "no": ("No", "いいえ"),
    "summary_kept": ("Figures as of the last resolve", "最後の名寄せ時点の集計"),
    "summary_live": ("Figures computed now: run `custgraph resolve` to keep them and make this page fast",
                     "その場で集計しました。`custgraph resolve` を実行すると集計が保存され、表示が速くなります"),
    "dropped_customers": ("Some who dropped off here", "ここで離脱した顧客（一部）"),
    # attribution
    "attribution": ("Attribution", "アトリビューション"),
    "attribution_help": ("Each conversion's credit shared among the touchpoints before it, by seven models side by "
                         "side; every column sums to the conversions. (direct): a conversion with no touchpoint in "
                         "the lookback; (none): touchpoints without a channel or campaign.",
                         "各コンバージョンの貢献を直前のタッチポイントに7つのモデルで配分します。"
                         "各列の合計はコンバージョン数です。(direct): 遡及期間内にタッチポイントのないコンバージョン、"
                         "(none): チャネルやキャンペーンのないタッチポイント。"),
    "conversion_type": ("Conversion", "コンバージョン"),
    "lookback": ("Lookback (days)", "遡及期間（日）"),
    "half_life": ("Half-life (days)", "半減期（日）"),
    "credit_by": ("Credit by", "集計単位"),
    "campaign": ("Campaign", "キャンペーン"),
    "key": ("Credited to", "配分先"),
    "first_touch": ("First touch", "ファーストタッチ"),
    "last_touch": ("Last touch", "ラストタッチ"),
    "linear": ("Linear", "線形"),
    "time_decay": ("Time decay", "時間減衰"),
    "position_based": ("Position (40/20/40)", "位置ベース（40/20/40）"),
    "markov": ("Markov removal", "マルコフ（除去効果）"),
    "shapley": ("Shapley", "シャープレイ値"),
    "conversions_n": ("Conversions", "コンバージョン数"),
    "paths_n": ("Paths, converting and not", "パス数（非コンバージョンを含む）"),
    # retention
    "retention": ("Retention", "リテンション"),
    "cohorts": ("Cohorts", "コホート"),
    "cohorts_help": ("Customers by the month of their first purchase (or first touchpoint), and the share of each "
                     "cohort active in each month since (UTC).",
                     "初回購入（または初回接点）の月ごとの顧客と、その後の各月にアクティブだった割合（UTC）。"),
    "cohort_by": ("Active means", "アクティブの定義"),
    "start_purchase": ("a purchase", "購入"),
    "start_touch": ("any touchpoint", "あらゆる接点"),
    "cohort": ("Cohort", "コホート"),
    "cohort_size": ("Size", "人数"),
    "months_since": ("Months since", "経過月数"),
    "lifecycle": ("Lifecycle by month", "月別ライフサイクル"),
    "lc_new": ("New", "新規"),
    "lc_returning": ("Returning", "継続"),
    "lc_resurrecting": ("Resurrecting", "復帰"),
    "lc_dormant": ("Dormant", "休眠化"),
    "lc_active": ("Active", "アクティブ"),
    # root causes
    "score_causes": ("Why answers are low", "低評価の要因"),
    "score_causes_help": ("What the touchpoints in the 30 days before detractors' answers (NPS 0-6) hold more often "
                          "than chance would, with q: the chance it is luck, corrected for the number of candidates "
                          "tested.",
                          "批判者の回答（NPS 0〜6）の前30日間の接点に、偶然以上に多く現れるもの。"
                          "q は検定した候補数で補正した、偶然である確率です。"),
    "dropoff_causes": ("Why customers stop here", "ここで離脱する要因"),
    "find_causes": ("Find what lies behind low answers (reads every journey: may take a while)",
                    "低評価の要因を調べる（全ジャーニーを読むため時間がかかることがあります）"),
    "find_dropoff_causes": ("Find why customers stop at each step (reads every journey: may take a while)",
                            "各ステップで離脱する要因を調べる（全ジャーニーを読むため時間がかかることがあります）"),
    "cause": ("Cause", "要因"),
    "cases": ("Cases", "件数"),
    "low_n": ("Low or stopped", "低評価・離脱"),
    "lift": ("Lift", "リフト"),
    "q_value": ("q", "q値"),
    "examples": ("Examples", "例"),
    "no_causes": ("Nothing stands out beyond chance.", "偶然を超えて偏っている要因はありません。"),
    "cause_rep": ("Rep", "担当者"),
    "cause_channel": ("Channel", "チャネル"),
    "cause_product": ("Product", "商品"),
    "cause_touchpoint": ("Touchpoint", "接点"),
    "cause_support": ("Support", "サポート"),
    "cause_segment": ("Segment", "セグメント"),
    # errors
    "error": ("Something went wrong", "エラーが発生しました"),
}

SEGMENT_NAMES: dict[str, tuple[str, str]] = {
    "champions": ("Champions", "優良顧客"), "loyal": ("Loyal", "ロイヤル"), "new": ("New", "新規"),
    "at_risk": ("At risk", "離反の恐れ"), "hibernating": ("Hibernating", "休眠"),
    "needs_attention": ("Needs attention", "要注意"),
}

# The contract's known touchpoint types (loaders/contract.py); other types show as they are.
TYPE_NAMES: dict[str, tuple[str, str]] = {
    "web_visit": ("Web visit", "Web訪問"), "add_to_cart": ("Add to cart", "カート追加"),
    "purchase": ("Purchase", "購入"), "return": ("Return", "返品"),
    "support_ticket": ("Support ticket", "問い合わせ"), "email_sent": ("E-mail sent", "メール送信"),
    "email_open": ("E-mail opened", "メール開封"), "email_click": ("E-mail click", "メールクリック"),
    "survey_response": ("Survey answer", "アンケート回答"), "store_visit": ("Store visit", "来店"),
    "call": ("Call", "電話"), "chat": ("Chat", "チャット"), "app_session": ("App session", "アプリ利用"),
    "social_mention": ("Social mention", "SNS言及"),
}


def language_of(cookie: str | None, accept_language: str) -> str:
    """The reader's language: their choice, else the browser's first language we have."""
    if cookie in LANGUAGES:
        return str(cookie)
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.split("-")[0] in LANGUAGES:
            return tag.split("-")[0]
    return "en"


@dataclass(frozen=True)
class Language:
    """What a template needs to speak one language: labels and formatters."""

    code: str

    def __call__(self, key: str, **values: object) -> str:
        label = LABELS[key][LANGUAGES.index(self.code)]
        return label.format(**values) if values else label

    def segment(self, name: object) -> str:
        if not isinstance(name, str) or name == "None":
            return "—"
        names = SEGMENT_NAMES.get(name)
        return names[LANGUAGES.index(self.code)] if names else name

    def kind(self, name: object) -> str:
        """A touchpoint type's label; a type outside the contract's list as it is."""
        if not isinstance(name, str):
            return "—"
        names = TYPE_NAMES.get(name)
        return names[LANGUAGES.index(self.code)] if names else name

    def reason(self, because: Mapping[str, Any]) -> str:
        """Why a product is offered (``cross_sell``'s ``because``), in a sentence."""
        values = {"customers": self.number(because.get("customers")), "buyers": self.number(because.get("buyers")),
                  "name": because.get("name") or because.get("sku"), "category": because.get("category"),
                  "region": because.get("region")}
        signal = because.get("signal")
        if because.get("kind") == "best_seller":
            return self("offer_best_seller_region" if values["region"] else "offer_best_seller", **values)
        if because.get("kind") == "category":
            return self("offer_reason_category", signal=self(f"signal_{signal}"), **values)
        if signal in (None, "bought"):
            return self("offer_reason", **values)
        return self("offer_reason_signal", signal=self(f"signal_{signal}"), **values)

    def number(self, value: object, digits: int = 0) -> str:
        if not isinstance(value, int | float):  # None, or a field the row does not have
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.code)

    def percent(self, share: object, digits: int = 1) -> str:
        if not isinstance(share, int | float):
            return "—"
        return format_percent(share, format="#,##0." + "0" * digits + "%", locale=self.code)

    def month(self, month: str) -> str:
        """'2026-11' as 'Nov 2026' or '2026年11月'."""
        year, number = (int(part) for part in month.split("-"))
        return format_skeleton("yMMM", dt.date(year, number, 1), locale=self.code)

    def moment(self, value: object) -> str:
        if not isinstance(value, str | dt.datetime) or value == "":
            return self("none_yet")
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        return format_datetime(moment, format="medium", locale=self.code)

    def day(self, value: object) -> str:
        if not isinstance(value, str | dt.datetime) or value == "":
            return "—"
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
        return format_date(moment, format="medium", locale=self.code)
