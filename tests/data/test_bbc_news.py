from tinybert_tf.data.bbc_news import decode_article, read_bbc_news


def test_decode_article_falls_back_to_cp1252():
    assert decode_article("£15.8m".encode("utf-8")) == "£15.8m"
    assert decode_article(b"a \xa315.8m signing") == "a £15.8m signing"  # Windows-1252 pound sign
    assert decode_article(b"\x93quoted\x94") == "\u201cquoted\u201d"
    assert decode_article(b"\x81") == "\x81"  # undefined in cp1252: Latin-1


def test_records_have_package_relative_uids():
    records, kind, label_names = read_bbc_news()
    assert kind == "classification" and len(records) == 2225
    assert records[0].uid == "bbcnews/data/business/001.txt"
    mutu = next(r for r in records if r.uid == "bbcnews/data/sports/199.txt")
    assert "a £15.8m signing from Parma" in mutu.text
    assert mutu.text.startswith("Chelsea sack Mutu\n\n")
