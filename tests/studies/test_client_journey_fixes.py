"""Fixes found by the Chromium client journey (tests/browser/test_client_journey.py), checked fast."""

from __future__ import annotations

import re

from polling.studies import service
from tests.factories import make_user
from tests.studies.drafting_helpers import brief, questionnaire


def test_the_submit_button_writes_the_total_as_the_quote_does(client, session, hasher, auth):
    # It said "Accept the quote (1674.31 EUR)" under a quote whose total read "EUR 1,674.31".
    researcher = make_user(session, hasher, "client", organisation="Cardio Insights")
    auth.login(researcher.email)
    study = service.create_draft(session, researcher, brief())
    service.set_questionnaire(session, researcher, study.id, questionnaire())
    quote = client.get(f"/studies/{study.id}/feasibility")
    total = re.search(r'<tr class="total">.*?<strong>([^<]+)</strong>', quote.text, re.S)
    assert total is not None and re.fullmatch(r"EUR [\d,]+\.\d\d", total[1]), quote.text
    overview = client.get(f"/studies/{study.id}")
    assert f"Quote total: {total[1]}" in overview.text
    assert f"Accept the quote ({total[1]}) and submit" in overview.text
