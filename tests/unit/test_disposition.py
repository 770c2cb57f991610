"""Content-Disposition from the query, sanitised."""

import pytest

from casaba.iiif.disposition import content_disposition


@pytest.mark.parametrize(
    "requested, expected",
    [
        (None, None),
        ("", None),
        ("bogus", None),
        ("inline", 'inline; filename="a_b.jpg.jpg"'),
        ("attachment", 'attachment; filename="a_b.jpg.jpg"'),
        ('attachment; filename="my picture.jpg"', 'attachment; filename="my picture.jpg"'),
        ("attachment; filename=../../etc/passwd", 'attachment; filename="__etc_passwd"'),
        ('attachment; filename="x\r\nSet-Cookie: a=b"', 'attachment; filename="x__Set-Cookie_ a_b"'),
        ("attachment; filename*=UTF-8''%C3%A9t%C3%A9.png", "attachment; filename=\"a_b.jpg.jpg\"; filename*=UTF-8''%C3%A9t%C3%A9.png"),
    ],
)
def test_content_disposition(requested, expected):
    assert content_disposition(requested, "a/b.jpg", "jpg") == expected
