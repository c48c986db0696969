"""The site over a small DATA (the ``small_data`` fixture): Datasette's table search, and
every original served with its real type and the Chinese name it was fetched under."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette

from nianbao import DataDir
from tests.support import reports_tuples as rows


def datasette(small_data: Path) -> Datasette:
    return DataDir(small_data).datasette()


def get(ds: Datasette, path: str):
    return asyncio.run(ds.client.get(path))


@pytest.mark.parametrize("query", ["复议", "诉", "行政处罚", "年度报告"])
def test_table_search_through_datasette(small_data, query):
    response = get(datasette(small_data), f"/reports/documents.json?_search={quote(query)}&_shape=objects")
    assert response.status_code == 200
    titles = {row["sha256"] for row in response.json()["rows"]}
    expected = {
        sha for (sha,) in rows(small_data, "select sha256 from documents where text like ? or title like ?",
                               [f"%{query}%", f"%{query}%"])
    }
    assert expected and titles == expected


def test_search_box_is_offered_and_escapes_fts_syntax(small_data):
    ds = datasette(small_data)
    page = get(ds, "/reports/documents")
    assert page.status_code == 200 and 'name="_search"' in page.text
    response = get(ds, "/reports/documents.json?_search=" + quote('NEAR( "复议" OR'))
    assert response.status_code == 200


def test_originals_are_served_with_type_and_chinese_file_name(small_data):
    ds = datasette(small_data)
    sha = hashlib.sha256(small_data.tiantan["path"].read_bytes()).hexdigest()
    response = get(ds, f"/-/files/{sha}")
    assert response.status_code == 200
    assert response.content == small_data.tiantan["path"].read_bytes()
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert "filename*=UTF-8''" + quote("天坛2023.docx") in response.headers["content-disposition"]
    download = get(ds, f"/-/files/{sha}?download=1")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert get(ds, "/-/files/" + "0" * 64).status_code == 404
    assert get(ds, "/-/files/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_document_rows_link_to_their_original(small_data):
    sha = hashlib.sha256(small_data.tiantan["path"].read_bytes()).hexdigest()
    page = get(datasette(small_data), f"/reports/documents/{sha}")
    assert page.status_code == 200
    assert f'href="/-/files/{sha}"' in page.text


