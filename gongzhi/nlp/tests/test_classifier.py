"""Tests of gongzhi.nlp (text, classifier, cli, default model). No Django needed."""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gongzhi.nlp import classifier as clf
from gongzhi.nlp import text as nlp_text
from gongzhi.nlp.cli import main

ROOT = Path(__file__).resolve().parents[3]

# clearly separable synthetic topics: each text mixes 2-3 topic words with neutral filler
TOPICS = {
    "电梯": ["电梯", "轿厢", "按钮", "困人", "维保", "升降"],
    "垃圾": ["垃圾", "臭味", "清运", "苍蝇", "垃圾桶", "分类"],
    "工资": ["工资", "老板", "拖欠", "加班费", "辞退", "仲裁"],
}
FILLER = ["我们", "小区", "今天", "还是", "一直", "麻烦", "看看", "处理", "这个", "问题"]


def synthetic(n_per_class: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    for label, words in TOPICS.items():
        for _ in range(n_per_class):
            parts = rng.sample(words, 3) + rng.sample(FILLER, 3)
            rng.shuffle(parts)
            texts.append("".join(parts))
            labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def data():
    return synthetic(30, seed=1), synthetic(10, seed=2)


@pytest.fixture(scope="module")
def model(data):
    (texts, labels), _ = data
    return clf.train(texts, labels)


def write_csv(path: Path, rows, header=("text", "label")) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


# -- text -------------------------------------------------------------------------------------


def test_normalize_full_width_and_case():
    assert nlp_text.normalize("ＡＢＣ１２３　电梯ＯＫ！") == "abc123 电梯ok!"
    assert nlp_text.normalize("  a \n\t b  ") == "a b"
    assert nlp_text.normalize("") == ""


def test_tokenize_uses_domain_dict_and_synonyms():
    toks = nlp_text.tokenize("业委会说加装电梯要用公维金，医保卡也丢了！")
    assert "业主委员会" in toks  # 业委会 -> canonical 业主委员会
    assert "加装电梯" in toks  # domain word kept whole
    assert "维修资金" in toks  # 公维金 -> 维修资金
    assert "社保卡" in toks  # 医保卡 -> 社保卡
    assert "，" not in toks and "！" not in toks


def test_data_files_sizes():
    words = nlp_text.DOMAIN_DICT_PATH.read_text(encoding="utf-8").split("\n")
    assert len([w for w in words if w.strip()]) >= 300
    groups = [
        line
        for line in nlp_text.SYNONYMS_PATH.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(groups) >= 80
    assert all(len(g.split()) >= 2 for g in groups)


def test_jieba_is_quiet(tmp_path):
    code = "from gongzhi.nlp.text import tokenize; print(tokenize('小区电梯坏了'))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    assert out.stderr == ""
    assert "电梯" in out.stdout


# -- classifier -------------------------------------------------------------------------------


def test_separable_data_is_learned(model, data):
    _, (test_texts, test_labels) = data
    assert model.labels == sorted(TOPICS)
    pred = model.predict(test_texts)
    acc = sum(p == g for p, g in zip(pred, test_labels, strict=True)) / len(test_labels)
    assert acc >= 0.95
    label, score = model.predict_with_score("电梯困人了，维保的人不来")
    assert label == "电梯"
    assert 0.5 < score <= 1.0


def test_scores_are_probabilities_and_fast_path_matches(model, data):
    _, (test_texts, _) = data
    probs = model.predict_proba(test_texts)
    assert probs.shape == (len(test_texts), len(model.labels))
    assert np.all(probs >= 0) and np.all(probs <= 1)
    assert np.allclose(probs.sum(axis=1), 1.0)
    batch = model.decision_function(test_texts)
    single = np.array([model.scores_one(t) for t in test_texts])
    assert np.allclose(batch, single, atol=1e-5)
    for t, row in zip(test_texts[:5], probs[:5], strict=True):
        label, score = model.predict_with_score(t)
        assert label == model.labels[int(row.argmax())]
        assert score == pytest.approx(float(row.max()), abs=1e-5)


@pytest.mark.parametrize("model_name", ["lr", "sgd", "nbsvm", "svm", "ridge", "ens"])
def test_other_models(data, model_name):
    (texts, labels), (test_texts, test_labels) = data
    m = clf.train(texts, labels, model=model_name, calibrate=False)
    report = clf.evaluate(m, test_texts, test_labels)
    assert report["accuracy"] >= 0.9


def test_binary_labels_and_long_texts():
    texts = ["电梯坏了" * 3, "垃圾很臭" * 3] * 10
    labels = ["a", "b"] * 10
    m = clf.train(texts, labels, max_chars=5)
    assert m.predict(["电梯坏了", "垃圾很臭"]) == ["a", "b"]
    assert m.predict_with_score("电" * 100000)[0] in ("a", "b")


def test_train_rejects_bad_input():
    with pytest.raises(clf.DataError):
        clf.train([], [])
    with pytest.raises(clf.DataError):
        clf.train(["a", "b"], ["x", "x"])
    with pytest.raises(clf.DataError):
        clf.train(["a", "b"], ["x"])
    with pytest.raises(TypeError):
        clf.train(["a", "b"], ["x", "y"], bogus=1)
    with pytest.raises(ValueError):
        clf.train(["a", "b"], ["x", "y"], model="bert")


def test_default_is_calibrated_ensemble_of_linear_members(model, data):
    """The default model averages nbsvm and ridge, each divided by its out-of-fold softmax
    temperature, folded into one linear layer; training-only token caches are not kept."""
    (texts, labels), (test_texts, _) = data
    assert model.options.model == "ens"
    assert model.meta["calibrated"] is True
    temps = {k: v["temperature"] for k, v in model.meta["ensemble"].items()}
    assert set(temps) == set(clf.ENSEMBLE_MEMBERS)
    for _name, vec, _w in model.blocks:
        if vec.tokenizer is not None:
            assert vec.tokenizer is nlp_text.tokenize_normalized
    docs = model._docs(texts)
    # fresh vectorizers (the fixture is shared), with the same length-dependent defaults
    blocks = clf._make_vectorizers(model.options, len(texts), mean_chars=clf._mean_chars(docs))
    Xtr = clf._fit_blocks(blocks, docs)
    X = clf._transform_blocks(blocks, model._docs(test_texts))
    y = np.array([model.labels.index(lab) for lab in labels])
    members = clf._fit_members(model.options, Xtr, y, len(model.labels))
    expected = sum((np.asarray(X @ c.T) + b) / (len(members) * temps[k]) for k, c, b in members)
    assert np.allclose(model.decision_function(test_texts), expected, atol=1e-3)


def test_min_df_default_depends_on_size_and_text_length():
    opts = clf.Options()
    assert clf._min_df(opts, 500, 300.0) == 1  # small data
    assert clf._min_df(opts, 5000, 300.0) == 2  # many long bodies
    assert clf._min_df(opts, 5000, 20.0) == 1  # many short titles
    assert clf._min_df(clf.Options(min_df=3), 5000, 20.0) == 3


def test_word_weight_default_depends_on_text_length():
    opts = clf.Options()
    assert clf._word_weight(opts, 20.0) == clf.SHORT_WORD_WEIGHT < 1.0  # short titles
    assert clf._word_weight(opts, 300.0) == 1.0  # long bodies
    assert clf._word_weight(opts, None) == 1.0
    assert clf._word_weight(clf.Options(word_weight=1.5), 20.0) == 1.5
    short = clf.train(["电梯坏了", "路灯不亮", "电梯困人", "路灯坏了"], ["物业", "市政"] * 2)
    assert [w for name, _v, w in short.blocks if name == "word"] == [clf.SHORT_WORD_WEIGHT]
    long_texts = [t * 20 for t in ("电梯坏了很久", "路灯不亮很久", "电梯困人了", "路灯坏了啊")]
    long = clf.train(long_texts, ["物业", "市政"] * 2)
    assert [w for name, _v, w in long.blocks if name == "word"] == [1.0]


def test_save_load_round_trip(model, data, tmp_path):
    _, (test_texts, _) = data
    model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    for key in ("labels", "created", "options", "training_size", "sklearn_version"):
        assert key in meta
    assert meta["training_size"] == 90
    loaded = clf.load(tmp_path / "m")
    assert loaded.labels == model.labels
    assert loaded.predict(test_texts) == model.predict(test_texts)
    assert np.allclose(loaded.predict_proba(test_texts), model.predict_proba(test_texts))
    assert loaded.predict_with_score(test_texts[0]) == pytest.approx(
        model.predict_with_score(test_texts[0])
    )
    with pytest.raises(FileNotFoundError):
        clf.load(tmp_path / "missing")


def test_evaluate_report(model, data):
    _, (test_texts, test_labels) = data
    report = clf.evaluate(model, test_texts + ["电梯坏了"], test_labels + ["未知"])
    assert report["n"] == len(test_texts) + 1
    assert set(report) >= {"accuracy", "macro_f1", "per_class", "confusion_matrix", "n"}
    assert set(report["per_class"]["电梯"]) == {"precision", "recall", "f1", "support"}
    assert report["per_class"]["未知"]["support"] == 1
    cm = report["confusion_matrix"]
    assert cm["labels"][-1] == "未知"
    assert len(cm["matrix"]) == len(cm["labels"])
    assert sum(map(sum, cm["matrix"])) == report["n"]
    assert 0 <= report["macro_f1"] <= report["accuracy"] <= 1


def test_stratified_split_is_deterministic_and_stratified():
    labels = ["a"] * 50 + ["b"] * 20 + ["c"]
    tr, te = clf.stratified_split(labels, 0.3, seed=7)
    assert (tr, te) == clf.stratified_split(labels, 0.3, seed=7)
    assert sorted(tr + te) == list(range(len(labels)))
    assert sum(labels[i] == "a" for i in te) == 15
    assert sum(labels[i] == "b" for i in te) == 6
    assert all(labels[i] != "c" for i in te)


# -- cli --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("cli")
    (texts, labels), (test_texts, test_labels) = data
    train = write_csv(d / "train.csv", zip(texts, labels, strict=True))
    test = write_csv(d / "test.csv", zip(test_texts, test_labels, strict=True))
    return d, train, test


def test_cli_train_eval_split(csv_files, capsys):
    d, train, test = csv_files
    out = d / "model"
    args = ["--text-col", "text", "--label-col", "label"]
    assert (
        main(
            [
                "classifier",
                "train",
                "--data",
                str(train),
                *args,
                "--out",
                str(out),
                "--test-size",
                "0.2",
                "--random-seed",
                "3",
            ]
        )
        == 0
    )
    summary = capsys.readouterr().out
    assert "trained on 90 rows" in summary and "held-out estimate" in summary
    assert (out / "model.joblib").is_file() and (out / "meta.json").is_file()

    assert (
        main(["classifier", "eval", "--model", str(out), "--data", str(test), *args, "--json"]) == 0
    )
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix"} <= set(report)
    assert report["accuracy"] >= 0.95

    assert main(["classifier", "eval", "--model", str(out), "--data", str(test), *args]) == 0
    assert "macro_f1=" in capsys.readouterr().out

    a, b = d / "a.csv", d / "b.csv"
    assert (
        main(
            [
                "classifier",
                "split",
                "--data",
                str(train),
                "--out-train",
                str(a),
                "--out-test",
                str(b),
                "--test-size",
                "0.3",
                "--random-seed",
                "1",
                "--label-col",
                "label",
            ]
        )
        == 0
    )
    rows_a = list(csv.DictReader(a.open(encoding="utf-8")))
    rows_b = list(csv.DictReader(b.open(encoding="utf-8")))
    assert len(rows_a) == 63 and len(rows_b) == 27
    assert {r["label"] for r in rows_b} == set(TOPICS)
    assert sum(r["label"] == "电梯" for r in rows_b) == 9


def _bad_cases(d: Path, train: Path):
    empty = write_csv(d / "empty.csv", [])
    one = write_csv(d / "one.csv", [("电梯坏了", "x"), ("电梯又坏了", "x")])
    missing = d / "nope.csv"
    return [
        ("data file not found", missing, "text", "label"),
        ("column 'txt' not found", train, "txt", "label"),
        ("column 'lab' not found", train, "text", "lab"),
        ("no usable rows", empty, "text", "label"),
        ("only one class", one, "text", "label"),
    ]


def test_cli_bad_input_exits_2_and_writes_nothing(csv_files, capsys):
    d, train, test = csv_files
    work = d / "bad"
    work.mkdir()
    for msg, data_file, text_col, label_col in _bad_cases(work, train):
        before = sorted(p.name for p in work.iterdir())
        out = work / "out-model"
        code = main(
            [
                "classifier",
                "train",
                "--data",
                str(data_file),
                "--text-col",
                text_col,
                "--label-col",
                label_col,
                "--out",
                str(out),
            ]
        )
        err = capsys.readouterr().err
        assert code == 2, msg
        assert msg in err and err.count("\n") == 1 and err.startswith("error:")
        code = main(
            [
                "classifier",
                "split",
                "--data",
                str(data_file),
                "--out-train",
                str(work / "a.csv"),
                "--out-test",
                str(work / "b.csv"),
                "--label-col",
                label_col,
                "--text-col",
                text_col,
            ]
        )
        err = capsys.readouterr().err
        assert code == 2, msg
        assert err.count("\n") == 1 and err.startswith("error:")
        assert sorted(p.name for p in work.iterdir()) == before
    # eval: missing model / missing data
    assert (
        main(
            [
                "classifier",
                "eval",
                "--model",
                str(work / "none"),
                "--data",
                str(test),
                "--text-col",
                "text",
                "--label-col",
                "label",
                "--json",
            ]
        )
        == 2
    )
    assert main(["classifier", "bogus"]) == 2
    assert main([]) == 2
    capsys.readouterr()


def test_cli_module_entry_point(csv_files):
    d, train, _ = csv_files
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "gongzhi.nlp.cli",
            "classifier",
            "train",
            "--data",
            str(d / "missing.csv"),
            "--text-col",
            "text",
            "--label-col",
            "label",
            "--out",
            str(d / "m2"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2
    assert res.stderr.startswith("error: data file not found")
    assert not (d / "m2").exists()


# -- default model ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("小区电梯坏了三天了物业也不来修", "物业服务"),
        ("楼下垃圾桶满了好几天没人清运，臭死了", "环境卫生"),
        ("孩子明年上小学，学区怎么划分的", "医疗教育"),
        ("路口的井盖不见了，晚上很危险", "市政设施"),
        ("公交车半小时才来一班，能不能加班次", "交通出行"),
        ("我妈的养老金这个月没到账", "社会保障"),
        ("车棚里的电动车被偷了", "治安安全"),
        ("菜场的秤缺斤少两", "市场监管"),
        ("拆迁补偿标准太低了", "城建拆迁"),
        ("老板拖欠了三个月工资", "就业创业"),
        ("大家早上好", "其他"),
        ("", "其他"),
    ],
)
def test_default_model_obvious_requests(text, expected):
    label, score = clf.classify_request(text)
    assert label == expected
    assert 0.0 <= score <= 1.0


def test_default_model_meta():
    model = clf.default_model()
    assert set(clf.DEFAULT_CATEGORIES) <= set(model.labels)
    assert len(clf.DEFAULT_CATEGORIES) == 10
    assert 0 < model.meta["fallback_threshold"] < 1
    size = model.size_bytes(clf.DEFAULT_MODEL_DIR)
    assert size < 5 * 1024 * 1024
    # a threshold of 1 sends everything to the fallback category
    assert clf.classify_request("小区电梯坏了", threshold=1.01)[0] == clf.FALLBACK_CATEGORY


def test_request_data_files():
    data = Path(clf.__file__).parent / "data"
    for name, minimum in (("requests_train.csv", 150), ("requests_eval.csv", 20)):
        rows = clf.read_csv(data / name, "text", "label")
        counts = {c: 0 for c in clf.DEFAULT_CATEGORIES}
        for r in rows:
            if r["label"] in counts:
                counts[r["label"]] += 1
        assert min(counts.values()) >= minimum, (name, counts)
    train = {r["text"] for r in clf.read_csv(data / "requests_train.csv", "text", "label")}
    evals = {r["text"] for r in clf.read_csv(data / "requests_eval.csv", "text", "label")}
    assert not train & evals
