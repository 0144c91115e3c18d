import json

import pytest

from conftest import DOC_ID
from vinerfacts.segment import suggest_sentences, suggest_zones


def sentences(text):
    return [text[s:e] for s, e in suggest_sentences(text)]


def test_reproduces_the_hand_checked_segmentation_of_the_article(root):
    text = (root / "annotations" / "documents" / f"{DOC_ID}.txt").read_text(encoding="utf-8")
    gold = json.loads((root / "annotations" / "documents" / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    assert suggest_sentences(text) == [(s["start"], s["end"]) for s in gold["sentences"]]
    assert suggest_zones(text) == [(z["start"], z["end"], z["kind"]) for z in gold["zones"]]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Chiều 29/7, tại Hà Nội có 1.452 thôn. Dân số 1,4 triệu người.", ["Chiều 29/7, tại Hà Nội có 1.452 thôn.", "Dân số 1,4 triệu người."]),
        ("Ông đến TP. Hồ Chí Minh hôm qua. Bà ở lại.", ["Ông đến TP. Hồ Chí Minh hôm qua.", "Bà ở lại."]),
        ("PGS. TS. Nguyễn Văn A phát biểu. Hội nghị kết thúc.", ["PGS. TS. Nguyễn Văn A phát biểu.", "Hội nghị kết thúc."]),
        ("Tăng 2,5 lần so với năm 2024. 30% số xã đạt chuẩn.", ["Tăng 2,5 lần so với năm 2024.", "30% số xã đạt chuẩn."]),
        ("Ông nói: “Sẽ làm ngay.” Sau đó ông đi.", ["Ông nói: “Sẽ làm ngay.”", "Sau đó ông đi."]),
        ("Thật vậy sao? Đúng vậy! Tốt.", ["Thật vậy sao?", "Đúng vậy!", "Tốt."]),
        ("Tên viết tắt của ông là Nguyễn V. A. và ông sống ở Huế.", ["Tên viết tắt của ông là Nguyễn V. A. và ông sống ở Huế."]),
        ("Dòng một\nDòng hai.", ["Dòng một", "Dòng hai."]),
    ],
)
def test_sentence_split(text, expected):
    assert sentences(text) == expected


def test_zone_suggestions_for_a_new_article():
    text = "Tiêu đề bài\n\nĐoạn mở đầu.\n\nThân bài.\n\nẢnh minh họa. Ảnh: Văn Điệp/TTXVN\n\nThân bài hai.\n\nMinh Anh\nBình luận"
    kinds = [k for _, _, k in suggest_zones(text)]
    assert kinds == ["title", "lead", "body", "caption", "body", "byline", "furniture"]
